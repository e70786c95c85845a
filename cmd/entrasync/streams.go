package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// streams are a command's standard input, output and error. Machine output
// (--json, plans) goes to Out; messages for people, progress and logs go
// to Err, so that Out can be piped.
type streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// isTerminal reports whether v is a file open on a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// canPrompt reports whether the wizard can run: both input and output are
// a terminal.
func (s streams) canPrompt() bool { return isTerminal(s.In) && isTerminal(s.Out) }
