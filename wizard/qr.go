package wizard

import (
	"strings"

	"rsc.io/qr"
)

// qrQuiet is the quiet zone around a QR code, in modules. The standard
// asks for 4; 2 keeps the code small and scans fine on a terminal's
// uniform background.
const qrQuiet = 2

// renderQR draws text as a QR code with half blocks, two modules rows per
// line. A drawn block is the terminal's foreground colour, so on a dark
// background the light modules are drawn, on a light one the dark ones,
// and the code reads as dark on light either way.
func renderQR(text string, isDark bool) (string, error) {
	code, err := qr.Encode(text, qr.L)
	if err != nil {
		return "", err
	}
	n := code.Size + 2*qrQuiet
	drawn := func(x, y int) bool {
		x, y = x-qrQuiet, y-qrQuiet
		black := x >= 0 && y >= 0 && x < code.Size && y < code.Size && code.Black(x, y)
		return black != isDark
	}
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		if y > 0 {
			b.WriteByte('\n')
		}
		for x := 0; x < n; x++ {
			top, bottom := drawn(x, y), y+1 < n && drawn(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
	}
	return b.String(), nil
}
