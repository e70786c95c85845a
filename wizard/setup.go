package wizard

import (
	"context"
	"fmt"

	"github.com/entrasync/entrasync/sync"
)

// Result is what setup did.
type Result struct {
	// Config is the configuration as Configure saved it; zero when setup
	// stopped before Install.
	Config sync.Config
	// Setup lists what was created, also when setup stopped half way.
	Setup Setup
	// InitialSync is the first sync's summary; nil when it did not run.
	InitialSync *RunSummary
	// ADChanges lists the changes made to AD on the UPN suffix page.
	ADChanges []string
}

// setup is the setup wizard's state while it walks its pages.
type setup struct {
	settings // the customize pages, editing answers
	answers  Answers

	tenant   Tenant
	signedIn bool
	forest   Forest
	report   *SuffixReport
	plan     []Action

	failure error // why the configuration did not complete
	inMenu  bool  // the task menu borrows the pages: no tick, no setup
	result  Result
}

// newSetup returns the setup wizard over b, starting from answers.
func newSetup(k kit, b Backend, answers Answers) *setup {
	s := &setup{answers: answers}
	s.settings = settings{kit: k, b: b, a: &s.answers, cfg: s.config}
	return s
}

// run walks the pages until Complete, a cancel or an error.
func (s *setup) run(ctx context.Context, u ui) error {
	s.u = u
	i := 0
	for {
		pages := setupPages(s.a.Customize)
		n, err := s.page(ctx, pages, i)
		if err != nil {
			return err
		}
		if n == navCancel {
			return ErrAborted
		}
		next, done := step(pages, i, n)
		if done {
			if s.failure != nil {
				return fmt.Errorf("%w: %w", ErrStopped, s.failure)
			}
			return nil
		}
		i = next
	}
}

// page shows pages[i] and returns where to go from it.
func (s *setup) page(ctx context.Context, pages []pageID, i int) (nav, error) {
	f := s.frame(pages, i)
	switch pages[i] {
	case pageWelcome:
		return s.welcome(ctx, f)
	case pageExpress:
		return s.express(ctx, f)
	case pageEntra:
		return s.entra(ctx, f)
	case pageAD:
		return s.ad(ctx, f)
	case pageSuffixes:
		return s.suffixes(ctx, f)
	case pageOUs:
		return s.ous(ctx, f)
	case pageObjectTypes:
		return s.objectTypes(ctx, f)
	case pageAttributes:
		return s.attributes(ctx, f)
	case pageSourceAnchor:
		return s.sourceAnchor(ctx, f)
	case pageSoftMatch:
		return s.softMatch(ctx, f)
	case pageSchedule:
		return s.schedule(ctx, f)
	case pageThresholds:
		return s.thresholds(ctx, f)
	case pageStaging:
		return s.staging(ctx, f)
	case pageReady:
		return s.ready(ctx, f)
	case pageConfiguring:
		return s.configuring(ctx, f)
	default:
		return s.complete(ctx, f)
	}
}

// frame is the frame of pages[i]: its title and position, Back except on
// the first page and after Install, and the question before quitting.
func (s *setup) frame(pages []pageID, i int) frame {
	p := pages[i]
	f := frame{
		app:   "entrasync setup",
		title: p.String(),
		step:  i + 1, steps: len(pages),
		noBack:    i == 0 || p == pageConfiguring || p == pageComplete,
		noCancel:  p == pageComplete,
		cancelAsk: "Quit setup? Nothing has been changed.",
	}
	if len(s.result.ADChanges) > 0 {
		f.cancelAsk = "Quit setup? Only the AD changes you confirmed were made."
	}
	return f
}

// config is the configuration the answers give for the signed-in tenant.
func (s *setup) config() sync.Config {
	return s.a.Config(s.tenant)
}
