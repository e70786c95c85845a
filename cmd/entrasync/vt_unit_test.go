package main

import "testing"

func TestVT(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string // the first lines of a 10x4 screen, joined with |
	}{
		"print and wrap":         {"abcdefghijKL", "abcdefghij|KL||"},
		"no wrap mode":           {"\x1b[?7labcdefghijKL", "abcdefghiL|||"},
		"cursor position":        {"\x1b[2;3Hx\x1b[1;1Hy", "y|  x||"},
		"cr lf":                  {"ab\r\ncd", "ab|cd||"},
		"erase line right":       {"abcdef\x1b[1;3H\x1b[K", "ab|||"},
		"erase line left":        {"abcdef\x1b[1;3H\x1b[1K", "   def|||"},
		"erase chars":            {"abcdef\x1b[1;2H\x1b[2X", "a  def|||"},
		"insert chars":           {"abcdef\x1b[1;2H\x1b[2@", "a  bcdef|||"},
		"delete chars":           {"abcdef\x1b[1;2H\x1b[2P", "adef|||"},
		"erase screen":           {"ab\r\ncd\x1b[2J", "|||"},
		"erase below":            {"ab\r\ncd\r\nef\x1b[2;2H\x1b[J", "ab|c||"},
		"scroll at bottom":       {"1\r\n2\r\n3\r\n4\r\n5", "2|3|4|5"},
		"scroll up command":      {"1\r\n2\r\n3\r\n4\x1b[2S", "3|4||"},
		"scroll region":          {"1\r\n2\r\n3\r\n4\x1b[2;3r\x1b[3;1H\n", "1|3||4"},
		"insert line":            {"1\r\n2\r\n3\x1b[2;1H\x1b[L", "1||2|3"},
		"delete line":            {"1\r\n2\r\n3\x1b[1;1H\x1b[M", "2|3||"},
		"reverse index at top":   {"1\r\n2\x1b[1;1H\x1bM", "|1|2|"},
		"repeat":                 {"x\x1b[3b", "xxxx|||"},
		"column and row":         {"\x1b[3dA\x1b[5GB", "||A   B|"},
		"wide characters":        {"王a", "王a|||"},
		"colours ignored":        {"\x1b[1;31mred\x1b[0m", "red|||"},
		"osc and modes ignored":  {"\x1b]0;title\x07\x1b[?1049h\x1b[>4;2mok", "ok|||"},
		"split across writes":    {"\x1b[2;", "|||"},
		"save and restore":       {"ab\x1b7\x1b[3;1Hz\x1b8c", "abc||z|"},
		"backspace and overtype": {"ab\bX", "aX|||"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := newVT(10, 4)
			v.write([]byte(tc.in))
			got := ""
			for i, l := range splitLines(v.screen()) {
				if i > 0 {
					got += "|"
				}
				got += l
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVTSequenceSplitAcrossWrites(t *testing.T) {
	v := newVT(10, 2)
	for _, part := range []string{"\x1b[", "2;3", "Hx", "\xe7\x8e", "\x8b"} {
		v.write([]byte(part))
	}
	if got, want := v.screen(), "\n  x王"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
