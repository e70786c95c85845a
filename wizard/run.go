package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"golang.org/x/term"
)

// EnvAccessible is the environment variable that turns accessible mode
// on, as --accessible does: "1", "true", "yes" or "on".
const EnvAccessible = "ENTRASYNC_ACCESSIBLE"

// ErrStopped is returned by [RunSetup] when the administrator stopped the
// configuration, or it failed, after Install: what was created is in the
// [Result] and recorded for uninstall.
var ErrStopped = errors.New("wizard: setup did not complete")

// Options configure [RunSetup] and [RunMenu].
type Options struct {
	// In and Out are the terminal; nil means os.Stdin and os.Stdout.
	In  io.Reader
	Out io.Writer
	// Accessible replaces the full-screen UI with line-by-line prompts
	// (screen readers, TERM=dumb). See [AccessibleFromEnv].
	Accessible bool
	// NoColor draws without colour. See [NoColorFromEnv].
	NoColor bool
	// Answers are setup's initial answers; nil means [DefaultAnswers].
	// The task menu takes only the administrator (Admin) from them, to
	// fill in the Connect to AD DS page of the tasks that need one.
	Answers *Answers
	// Interrupts delivers Ctrl-C in accessible mode while a task runs
	// (the full-screen UI reads it as a key); nil subscribes to
	// os.Interrupt for the task's duration.
	Interrupts <-chan os.Signal
	// Now is the clock for elapsed times and estimates; nil means
	// time.Now.
	Now func() time.Time
	// Banner, when set, is said on every screen: in the header of the
	// full-screen UI, and once at the start in accessible mode. The demo
	// sets it to "entrasync demo — nothing here touches a real
	// directory".
	Banner string
}

// AccessibleFromEnv says whether the environment asks for accessible
// mode: ENTRASYNC_ACCESSIBLE is set to a true value, or TERM is "dumb".
func AccessibleFromEnv(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv(EnvAccessible))) {
	case "1", "true", "yes", "on":
		return true
	}
	return getenv("TERM") == "dumb"
}

// NoColorFromEnv says whether the environment asks for no colour
// (NO_COLOR set and not empty, https://no-color.org).
func NoColorFromEnv(getenv func(string) string) bool {
	return getenv("NO_COLOR") != ""
}

// RunSetup runs the setup wizard on the terminal and returns what it did.
// Nothing is written before the administrator chooses Install, except the
// AD changes they confirm on the UPN suffix page. It returns [ErrAborted]
// when the administrator cancels before Install, an error wrapping
// [ErrStopped] when the configuration stopped or failed after it (the
// Result then lists what was created), and ctx's error when ctx ends.
func RunSetup(ctx context.Context, b Backend, opts Options) (Result, error) {
	o := opts.withDefaults()
	answers := DefaultAnswers()
	if opts.Answers != nil {
		answers = *opts.Answers
	}
	s := newSetup(o.kit(), b, answers)
	err := o.drive(ctx, s.run, true)
	return s.result, err
}

// withDefaults fills the options' defaults.
func (o Options) withDefaults() Options {
	if o.In == nil {
		o.In = os.Stdin
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// kit returns the page kit for these options; the ui is set by drive.
func (o Options) kit() kit {
	f, ok := o.In.(*os.File)
	return kit{accessible: o.Accessible, ttyIn: ok && term.IsTerminal(int(f.Fd()))}
}

// drive runs flow on the accessible UI or the full-screen one. keep
// leaves the last page's text on the terminal when the full-screen UI
// closes.
func (o Options) drive(ctx context.Context, flow func(context.Context, ui) error, keep bool) error {
	if o.Accessible {
		if o.Banner != "" {
			fmt.Fprintf(o.Out, "%s\n", o.Banner)
		}
		return flow(ctx, newLineUI(o.In, o.Out, o.Now, o.interrupts))
	}
	h := newHost(ctx, flow, o.Now)
	h.banner = o.Banner
	defer h.cancel()
	popts := []tea.ProgramOption{
		tea.WithContext(ctx),
		tea.WithInput(o.In),
		tea.WithOutput(o.Out),
		tea.WithFilter(translateInterrupt),
	}
	if o.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.ASCII))
	}
	if f, ok := o.Out.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		// Not a terminal (a pipe, a test): nothing reports a size, so
		// draw at the size the wizard is designed for.
		popts = append(popts, tea.WithWindowSize(80, 24))
	}
	_, runErr := tea.NewProgram(h, popts...).Run()
	h.cancel()
	select {
	case <-h.done:
		// Leave the Complete page's text on the terminal, also when
		// setup stopped after Install (it lists what exists).
		if keep && h.final != "" && (h.flowErr == nil || errors.Is(h.flowErr, ErrStopped)) {
			fmt.Fprint(o.Out, h.final)
		}
		return h.flowErr
	case <-time.After(flowGrace):
		// The flow never started, or a backend call ignores its context.
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled):
		return fmt.Errorf("wizard: terminal: %w", runErr)
	}
	return ErrAborted
}

// flowGrace bounds the wait for the flow after the terminal UI ends: the
// backend's calls return promptly once their context ends.
const flowGrace = 30 * time.Second

// translateInterrupt turns SIGINT (which bubbletea would end the program
// with) into a message the host asks about, as for the Ctrl-C key.
func translateInterrupt(_ tea.Model, msg tea.Msg) tea.Msg {
	if _, ok := msg.(tea.InterruptMsg); ok {
		return interruptMsg{}
	}
	return msg
}

// interrupts subscribes to Ctrl-C for a running task in accessible mode.
func (o Options) interrupts() (<-chan os.Signal, func()) {
	if o.Interrupts != nil {
		return o.Interrupts, func() {}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	return ch, func() { signal.Stop(ch) }
}
