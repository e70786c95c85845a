package main

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// vt is a small terminal emulator for the end-to-end tests: it turns what
// a program writes to its terminal back into the screen a person would
// see, so that a test waits for text on the screen rather than for bytes.
// It knows the sequences bubbletea's renderer sends for an xterm (cursor
// moves, erase, insert and delete of characters and lines, scroll
// regions, repeat) and ignores colours, modes and queries.
type vt struct {
	w, h     int
	cells    [][]rune // 0 marks the second column of a wide character
	x, y     int
	wrapNext bool // the last column was written: the next character wraps
	autoWrap bool
	top, bot int // the scroll region, inclusive
	savedX   int
	savedY   int
	last     rune // the last printed character, for REP

	pending []byte // an incomplete sequence or UTF-8 character
	// log is every character printed, in order, with a newline for each
	// line feed: what scrolled by or was drawn before the alternate screen.
	log strings.Builder
}

func newVT(w, h int) *vt {
	v := &vt{w: w, h: h, autoWrap: true, bot: h - 1}
	v.cells = make([][]rune, h)
	for i := range v.cells {
		v.cells[i] = blankLine(w)
	}
	return v
}

func blankLine(w int) []rune {
	l := make([]rune, w)
	for i := range l {
		l[i] = ' '
	}
	return l
}

// screen returns the screen's text, lines without trailing spaces.
func (v *vt) screen() string {
	lines := make([]string, v.h)
	for i, l := range v.cells {
		var b strings.Builder
		for _, r := range l {
			if r != 0 {
				b.WriteRune(r)
			}
		}
		lines[i] = strings.TrimRight(b.String(), " ")
	}
	return strings.Join(lines, "\n")
}

// write feeds the emulator.
func (v *vt) write(p []byte) {
	data := append(v.pending, p...)
	v.pending = nil
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == 0x1b:
			n := v.escape(data[i:])
			if n == 0 { // incomplete: wait for more
				v.pending = append([]byte(nil), data[i:]...)
				return
			}
			i += n
		case c < 0x20 || c == 0x7f:
			v.control(c)
			i++
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 && !utf8.FullRune(data[i:]) {
				v.pending = append([]byte(nil), data[i:]...)
				return
			}
			v.print(r)
			i += n
		}
	}
}

func (v *vt) control(c byte) {
	switch c {
	case '\r':
		v.x, v.wrapNext = 0, false
	case '\n', '\v', '\f':
		v.lineFeed()
		v.log.WriteByte('\n')
	case '\b':
		if v.x > 0 {
			v.x--
		}
		v.wrapNext = false
	case '\t':
		v.x = min((v.x/8+1)*8, v.w-1)
	}
}

func (v *vt) print(r rune) {
	width := ansi.StringWidth(string(r))
	if width == 0 {
		return // a combining mark: the screen keeps base characters
	}
	if v.wrapNext && v.autoWrap {
		v.x, v.wrapNext = 0, false
		v.lineFeed()
	}
	if v.x+width > v.w {
		if !v.autoWrap {
			v.x = v.w - width
		} else {
			v.x = 0
			v.lineFeed()
		}
	}
	v.cells[v.y][v.x] = r
	if width == 2 {
		v.cells[v.y][v.x+1] = 0
	}
	v.log.WriteRune(r)
	v.last = r
	v.x += width
	if v.x >= v.w {
		v.x, v.wrapNext = v.w-1, true
	}
}

// lineFeed moves down a line, scrolling the region at its bottom.
func (v *vt) lineFeed() {
	if v.y == v.bot {
		v.scrollUp(1)
	} else if v.y < v.h-1 {
		v.y++
	}
	v.wrapNext = false
}

func (v *vt) scrollUp(n int) {
	for range n {
		copy(v.cells[v.top:v.bot], v.cells[v.top+1:v.bot+1])
		v.cells[v.bot] = blankLine(v.w)
	}
}

func (v *vt) scrollDown(n int) {
	for range n {
		copy(v.cells[v.top+1:v.bot+1], v.cells[v.top:v.bot])
		v.cells[v.top] = blankLine(v.w)
	}
}

// escape handles the sequence at the start of b and returns its length,
// or 0 when it is not complete yet.
func (v *vt) escape(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '[':
		return v.csi(b)
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: skip to the terminator
		for i := 2; i < len(b); i++ {
			if b[i] == 0x07 {
				return i + 1
			}
			if b[i] == 0x1b && i+1 < len(b) && b[i+1] == '\\' {
				return i + 2
			}
		}
		return 0
	case '(', ')', '*', '+', '#', '%', ' ': // a designation: one more byte
		if len(b) < 3 {
			return 0
		}
		return 3
	case '7':
		v.savedX, v.savedY = v.x, v.y
	case '8':
		v.x, v.y = v.savedX, v.savedY
	case 'M': // reverse index
		if v.y == v.top {
			v.scrollDown(1)
		} else if v.y > 0 {
			v.y--
		}
	case 'D':
		v.lineFeed()
	case 'E':
		v.x = 0
		v.lineFeed()
	case 'c':
		*v = *newVT(v.w, v.h)
	}
	return 2
}

// csi handles a control sequence.
func (v *vt) csi(b []byte) int {
	end := -1
	for i := 2; i < len(b); i++ {
		if b[i] >= 0x40 && b[i] <= 0x7e {
			end = i
			break
		}
	}
	if end < 0 {
		return 0
	}
	body, final := string(b[2:end]), b[end]
	private := ""
	if body != "" && strings.ContainsRune("?<>=", rune(body[0])) {
		private, body = body[:1], body[1:]
	}
	if strings.ContainsAny(body, " $\"'!") { // intermediates: cursor style, DECRQM, ...
		return end + 1
	}
	var ps []int
	for _, f := range strings.Split(body, ";") {
		n, _ := strconv.Atoi(strings.Split(f, ":")[0])
		ps = append(ps, n)
	}
	p := func(i, def int) int {
		if i < len(ps) && ps[i] > 0 {
			return ps[i]
		}
		return def
	}
	if private != "" {
		if private == "?" && (final == 'h' || final == 'l') {
			for _, m := range ps {
				switch m {
				case 7:
					v.autoWrap = final == 'h'
				case 1049, 47, 1047:
					v.clear(0, v.h)
					v.x, v.y = 0, 0
				}
			}
		}
		return end + 1
	}
	v.wrapNext = false
	switch final {
	case 'A':
		v.y = max(v.y-p(0, 1), 0)
	case 'B':
		v.y = min(v.y+p(0, 1), v.h-1)
	case 'C':
		v.x = min(v.x+p(0, 1), v.w-1)
	case 'D':
		v.x = max(v.x-p(0, 1), 0)
	case 'E':
		v.x, v.y = 0, min(v.y+p(0, 1), v.h-1)
	case 'F':
		v.x, v.y = 0, max(v.y-p(0, 1), 0)
	case 'G', '`':
		v.x = min(p(0, 1)-1, v.w-1)
	case 'H', 'f':
		v.y, v.x = min(p(0, 1)-1, v.h-1), min(p(1, 1)-1, v.w-1)
	case 'd':
		v.y = min(p(0, 1)-1, v.h-1)
	case 'I':
		for range p(0, 1) {
			v.x = min((v.x/8+1)*8, v.w-1)
		}
	case 'Z':
		for range p(0, 1) {
			v.x = max((v.x-1)/8*8, 0)
		}
	case 'J':
		switch p(0, 0) {
		case 0:
			v.eraseLine(v.y, v.x, v.w)
			v.clear(v.y+1, v.h)
		case 1:
			v.clear(0, v.y)
			v.eraseLine(v.y, 0, v.x+1)
		default:
			v.clear(0, v.h)
		}
	case 'K':
		switch p(0, 0) {
		case 0:
			v.eraseLine(v.y, v.x, v.w)
		case 1:
			v.eraseLine(v.y, 0, v.x+1)
		default:
			v.eraseLine(v.y, 0, v.w)
		}
	case 'X':
		v.eraseLine(v.y, v.x, min(v.x+p(0, 1), v.w))
	case '@':
		n, l := min(p(0, 1), v.w-v.x), v.cells[v.y]
		copy(l[v.x+n:], l[v.x:v.w-n])
		v.eraseLine(v.y, v.x, v.x+n)
	case 'P':
		n, l := min(p(0, 1), v.w-v.x), v.cells[v.y]
		copy(l[v.x:], l[v.x+n:])
		v.eraseLine(v.y, v.w-n, v.w)
	case 'L', 'M':
		if v.y < v.top || v.y > v.bot {
			break
		}
		top := v.top
		v.top = v.y
		if final == 'L' {
			v.scrollDown(min(p(0, 1), v.bot-v.y+1))
		} else {
			v.scrollUp(min(p(0, 1), v.bot-v.y+1))
		}
		v.top = top
		v.x = 0
	case 'S':
		v.scrollUp(p(0, 1))
	case 'T':
		v.scrollDown(p(0, 1))
	case 'r':
		v.top, v.bot = p(0, 1)-1, min(p(1, v.h), v.h)-1
		v.x, v.y = 0, 0
	case 'b':
		for range p(0, 1) {
			v.print(v.last)
		}
	case 's':
		v.savedX, v.savedY = v.x, v.y
	case 'u':
		v.x, v.y = v.savedX, v.savedY
	}
	return end + 1
}

// eraseLine blanks columns [from, to) of line y.
func (v *vt) eraseLine(y, from, to int) {
	for x := max(from, 0); x < min(to, v.w); x++ {
		v.cells[y][x] = ' '
	}
}

// clear blanks lines [from, to).
func (v *vt) clear(from, to int) {
	for y := max(from, 0); y < min(to, v.h); y++ {
		v.cells[y] = blankLine(v.w)
	}
}
