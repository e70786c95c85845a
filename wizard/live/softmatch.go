package live

import (
	"context"
	"errors"
	"strings"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// recordingSource remembers the UPN of every object its source emits, by
// DN, for naming the AD side of a match.
type recordingSource struct {
	sync.Source
	upn map[string]string
}

func (r *recordingSource) Import(ctx context.Context, req sync.ImportRequest, emit func(*sync.SourceObject) error) (sync.ImportResult, error) {
	return r.Source.Import(ctx, req, func(o *sync.SourceObject) error {
		r.upn[strings.ToLower(o.DN)] = o.UserPrincipalName
		return emit(o)
	})
}

// SoftMatches lists the existing cloud users the first sync with cfg
// would adopt instead of creating new ones, as the engine decides it in a
// dry run over an empty state. With soft match off (cfg's sync.softMatch
// empty, the default) it lists the users that would match were it on,
// each marked Blocked. Reading every cloud user takes the sync
// application's permissions, so before Install (no application yet) it
// returns a Problem.
func (b *Backend) SoftMatches(ctx context.Context, cfg sync.Config) ([]wizard.SoftMatch, error) {
	saved, err := b.savedConfig()
	if errors.Is(err, wizard.ErrNotConfigured) {
		return nil, problem(err, "the soft-match preview reads every cloud user, which only the sync application may do, and it is created at Install",
			"the first sync adopts matching users only when soft match is on (sync.softMatch), and reports every match in its summary")
	}
	if err != nil {
		return nil, err
	}
	client, err := b.appClient(saved)
	if err != nil {
		return nil, err
	}
	tgt := sync.NewEntraTarget(client, sync.EntraTargetOptions{Logger: b.log})
	defer tgt.Close()

	off := len(cfg.Sync.SoftMatch) == 0
	run := previewConfig(cfg, b.forest.Root.NetBIOS)
	run.AD.BindUser, run.AD.PasswordFile = saved.AD.BindUser, saved.AD.PasswordFile
	run.Entra = saved.Entra
	if off {
		run.Sync.SoftMatch = []string{sync.AttrUserPrincipalName, sync.AttrMail}
	}
	src := &recordingSource{
		Source: sync.NewADSource(b.dialReader, sync.ADSourceOptions{SourceAnchor: run.Sync.SourceAnchor, ForceUSN: true, Logger: b.log}),
		upn:    make(map[string]string),
	}
	p, err := b.dryRun(ctx, run, src, tgt)
	if err != nil {
		return nil, syncProblem(err)
	}
	var out []wizard.SoftMatch
	for _, c := range p.Changes {
		if c.Op != sync.OpAdopt {
			continue
		}
		m := wizard.SoftMatch{Kind: c.Kind.String(), AD: src.upn[strings.ToLower(c.DN)], Entra: c.Name, MatchOn: sync.AttrUserPrincipalName}
		if m.AD == "" {
			m.AD = c.DN
		}
		if _, on, ok := strings.Cut(c.Reason, "with the same "); ok {
			m.MatchOn = on
		}
		if old := c.Old[sync.AttrUserPrincipalName]; old != "" {
			m.Entra = old
		}
		if off {
			m.Blocked = "soft match is off (sync.softMatch): not adopted"
		}
		out = append(out, m)
	}
	return out, nil
}
