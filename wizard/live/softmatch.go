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

// usersOnly is a Target whose List hands over users only: the
// soft-match preview concerns users, so it neither lists the groups nor
// reads their members (which the administrator's delegated scopes do not
// allow before Install).
type usersOnly struct{ sync.Target }

func (u usersOnly) List(ctx context.Context, kind sync.Kind, emit func(*sync.TargetObject) error) error {
	if kind != sync.KindUser {
		return nil
	}
	return u.Target.List(ctx, kind, emit)
}

// SoftMatches lists the existing cloud users the first sync with cfg
// would adopt instead of creating new ones, as the engine decides it in a
// dry run over an empty state. With soft match off (cfg's sync.softMatch
// empty, the default) it lists the users that would match were it on,
// each marked Blocked. Before Install it reads the cloud users as the
// signed-in administrator (entra.AdminScopes holds User.Read.All for it);
// once configured, as the sync application.
func (b *Backend) SoftMatches(ctx context.Context, cfg sync.Config) ([]wizard.SoftMatch, error) {
	off := len(cfg.Sync.SoftMatch) == 0
	run := previewConfig(cfg, b.forest.Root.NetBIOS)
	if off {
		run.Sync.SoftMatch = []string{sync.AttrUserPrincipalName, sync.AttrMail}
	}
	topts := sync.EntraTargetOptions{Logger: b.log}
	var tgt sync.Target
	saved, err := b.savedConfig()
	switch {
	case err == nil:
		client, err := b.appClient(saved)
		if err != nil {
			return nil, err
		}
		t := sync.NewEntraTarget(client, topts)
		defer t.Close()
		tgt = usersOnly{t}
		run.AD.BindUser, run.AD.PasswordFile = saved.AD.BindUser, saved.AD.PasswordFile
		run.Entra = saved.Entra
	case errors.Is(err, wizard.ErrNotConfigured):
		admin, err := b.needEntraAdmin("the soft-match preview")
		if err != nil {
			return nil, err
		}
		// The session stays open for the calls that follow: no Close.
		tgt = usersOnly{sync.NewEntraTarget(admin, topts)}
	default:
		return nil, err
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
