package live

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// examplesPerSuffix is how many users of each suffix Suffixes reads to
// find one the engine syncs (built-in accounts are left out).
const examplesPerSuffix = 5

// Suffixes lists the forest's UPN suffixes with their user counts, their
// state in Entra, and what one of their users will be called there, as the
// sync engine's own mapping decides it.
func (b *Backend) Suffixes(ctx context.Context) (wizard.SuffixReport, error) {
	c, err := b.dialReader(ctx)
	if err != nil {
		return wizard.SuffixReport{}, err
	}
	rep, err := c.UPNSuffixes(ctx)
	var f ad.Forest
	if err == nil {
		f, err = c.Forest(ctx)
	}
	c.Close()
	if err != nil {
		return wizard.SuffixReport{}, adProblem(err, c.User())
	}
	domains, err := b.entraDomains(ctx)
	if err != nil {
		return wizard.SuffixReport{}, err
	}
	tenant := syncTenant(domains)
	if tenant.InitialDomain == "" {
		tenant.InitialDomain = b.tenant.InitialDomain
	}

	// Read a few users of each suffix that has some, then ask the engine
	// what it would call them.
	want := make(map[string]int)
	for _, s := range rep.Suffixes {
		if s.Users > 0 {
			want[s.Name] = min(s.Users, examplesPerSuffix)
		}
	}
	examples := make(map[string][]*sync.SourceObject)
	var objs []*sync.SourceObject
	cfg := b.previewBase(f.Root.NetBIOS)
	if len(want) > 0 {
		// Stops as soon as each suffix has its examples.
		err = b.readAD(ctx, cfg, func(o *sync.SourceObject) error {
			if o.Kind != sync.KindUser {
				return nil
			}
			_, suffix, ok := strings.Cut(strings.ToLower(o.UserPrincipalName), "@")
			if !ok || want[suffix] == 0 {
				return nil
			}
			want[suffix]--
			if want[suffix] == 0 {
				delete(want, suffix)
			}
			examples[suffix] = append(examples[suffix], o)
			objs = append(objs, o)
			if len(want) == 0 {
				return errEnough
			}
			return nil
		})
		if err != nil {
			return wizard.SuffixReport{}, syncProblem(err)
		}
	}
	names, err := b.entraNames(ctx, cfg, tenant, objs)
	if err != nil {
		return wizard.SuffixReport{}, fmt.Errorf("live: preview the users' names in Entra: %w", err)
	}

	out := wizard.SuffixReport{}
	for _, d := range domains {
		if d.IsVerified {
			out.VerifiedDomains = append(out.VerifiedDomains, d.Name)
		}
	}
	for _, s := range rep.Suffixes {
		row := wizard.Suffix{Name: s.Name, Users: s.Users, State: wizard.NotAdded}
		if d, ok := entra.FindDomain(domains, s.Name); ok {
			row.State = wizard.NotVerified
			if d.IsVerified {
				row.State = wizard.Verified
			}
		}
		for _, o := range examples[s.Name] {
			if n := names[strings.ToLower(o.DN)]; n != "" {
				row.ExampleUser, row.ExampleEntra = o.UserPrincipalName, n
				break
			}
		}
		out.Suffixes = append(out.Suffixes, row)
	}
	return out, nil
}

// previewBase is the configuration previews start from: the saved one when
// there is one, else the defaults.
func (b *Backend) previewBase(netBIOS string) sync.Config {
	cfg, err := b.savedConfig()
	if err != nil {
		cfg = sync.DefaultConfig()
		cfg.Entra.TenantID, cfg.Entra.InitialDomain = b.tenant.ID, b.tenant.InitialDomain
	}
	cfg.AD.Scope = sync.ScopeConfig{}
	return previewConfig(cfg, netBIOS)
}

// AddSuffix adds suffix to the forest's UPN suffixes (uPNSuffixes of
// CN=Partitions), as the Enterprise Admin. It writes to AD now.
func (b *Backend) AddSuffix(ctx context.Context, suffix string) error {
	name, err := ad.ValidateSuffix(strings.TrimSpace(suffix))
	if err != nil {
		return adProblem(err, "")
	}
	c, err := b.dialAdmin(ctx, "adding a UPN suffix")
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.AddUPNSuffix(ctx, name); err != nil {
		return adProblem(err, c.User())
	}
	b.log.Info("ad: UPN suffix added", "suffix", name, "by", c.User())
	return nil
}

// PlanUPNMove lists the users whose UPN suffix is from and the UPN each
// would get on to, changing nothing. to must already be a suffix of the
// forest. A user whose new UPN another object already has (or that two
// users would get) is listed with a Conflict saying so; ApplyUPNMove
// never applies it.
func (b *Backend) PlanUPNMove(ctx context.Context, from, to string) ([]wizard.UPNChange, error) {
	c, err := b.dialAdmin(ctx, "moving users to another UPN suffix")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	plan, err := c.PlanSuffixMove(ctx, from, to, ad.Scope{})
	if err != nil {
		if errors.Is(err, ad.ErrInvalidInput) && strings.Contains(err.Error(), "not a UPN suffix of the forest") {
			return nil, problem(err, fmt.Sprintf("%s is not a UPN suffix of the forest yet", to), "add "+to+" to AD first (Add a UPN suffix to AD), then move the users")
		}
		return nil, adProblem(err, c.User())
	}
	out := make([]wizard.UPNChange, len(plan.Changes))
	for i, ch := range plan.Changes {
		out[i] = wizard.UPNChange{DN: ch.DN, User: ch.SAMAccountName, From: ch.OldUPN, To: ch.NewUPN, Conflict: ch.Conflict}
	}
	return out, nil
}

// ApplyUPNMove writes changes to AD as the Enterprise Admin, one user at a
// time, and stops at the first failure. A user whose UPN changed since
// the plan is refused, not overwritten; a change with a Conflict is
// skipped.
func (b *Backend) ApplyUPNMove(ctx context.Context, changes []wizard.UPNChange) (int, error) {
	c, err := b.dialAdmin(ctx, "moving users to another UPN suffix")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	in := make([]ad.SuffixChange, len(changes))
	for i, ch := range changes {
		in[i] = ad.SuffixChange{DN: ch.DN, SAMAccountName: ch.User, OldUPN: ch.From, NewUPN: ch.To, Conflict: ch.Conflict}
	}
	res, err := c.ApplySuffixMove(ctx, in, true)
	b.log.Info("ad: UPN suffix move", "applied", len(res.Applied), "failed", len(res.Failed), "by", c.User())
	if err != nil {
		return len(res.Applied), adProblem(err, c.User())
	}
	return len(res.Applied), nil
}
