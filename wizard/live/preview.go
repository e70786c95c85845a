package live

import (
	"context"
	"errors"
	"strings"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/entra"
	"github.com/entrasync/entrasync/sync"
)

// Previews run the sync engine itself, as a dry run over a memory store,
// so what the wizard shows (a user's name in Entra, the objects a first
// sync would adopt) is what the engine will do, not a second opinion.

// sliceSource is a [sync.Source] replaying objects read before.
type sliceSource []*sync.SourceObject

func (s sliceSource) Import(ctx context.Context, _ sync.ImportRequest, emit func(*sync.SourceObject) error) (sync.ImportResult, error) {
	for _, o := range s {
		if err := ctx.Err(); err != nil {
			return sync.ImportResult{}, err
		}
		if err := emit(o); err != nil {
			return sync.ImportResult{}, err
		}
	}
	return sync.ImportResult{Complete: true, Server: sync.ServerIdentity{DC: "preview"}}, nil
}

// domainsTarget is a [sync.Target] for previews before the sync
// application exists: it knows the tenant's domains and holds no object.
type domainsTarget struct{ t sync.Tenant }

func (d domainsTarget) Tenant(context.Context) (sync.Tenant, error) { return d.t, nil }

func (domainsTarget) Lookup(context.Context, sync.Kind, string, []string) ([]sync.TargetObject, error) {
	return nil, nil
}

func (domainsTarget) List(context.Context, sync.Kind, func(*sync.TargetObject) error) error {
	return nil
}

func (domainsTarget) Apply(context.Context, []sync.Write) ([]sync.WriteResult, error) {
	return nil, errors.New("live: a preview writes nothing")
}

// syncTenant turns the tenant's domains into what mapping needs.
func syncTenant(ds []entra.Domain) sync.Tenant {
	var t sync.Tenant
	for _, d := range ds {
		if d.IsInitial {
			t.InitialDomain = strings.ToLower(d.Name)
		}
		if d.IsVerified {
			t.VerifiedDomains = append(t.VerifiedDomains, strings.ToLower(d.Name))
		}
	}
	return t
}

// previewConfig completes cfg with placeholders for the fields only
// Configure knows, so the engine accepts it for a dry run.
func previewConfig(cfg sync.Config, netBIOS string) sync.Config {
	if cfg.AD.Host == "" {
		cfg.AD.Host = "preview.invalid"
	}
	if cfg.AD.BindUser == "" {
		if netBIOS == "" {
			netBIOS = "PREVIEW"
		}
		cfg.AD.BindUser = netBIOS + `\` + ad.ConnectorAccountPrefix + "preview"
	}
	if cfg.AD.PasswordFile == "" {
		cfg.AD.PasswordFile = "preview"
	}
	if cfg.Entra.TenantID == "" {
		cfg.Entra.TenantID = "00000000-0000-0000-0000-000000000000"
	}
	if cfg.Entra.ClientID == "" {
		cfg.Entra.ClientID = "00000000-0000-0000-0000-000000000000"
	}
	if cfg.Entra.CertificateFile == "" && cfg.Entra.ClientSecretFile == "" {
		cfg.Entra.CertificateFile = "preview"
	}
	cfg.SetDefaults()
	return cfg
}

// dryRun plans a first full sync of cfg from src to tgt over an empty
// memory store.
func (b *Backend) dryRun(ctx context.Context, cfg sync.Config, src sync.Source, tgt sync.Target) (*sync.Plan, error) {
	e, err := sync.NewEngine(cfg, src, tgt, sync.NewMemStore(), sync.WithLogger(b.log))
	if err != nil {
		return nil, err
	}
	p, _, err := e.Plan(ctx, sync.RunOptions{Kind: sync.RunFull, Trigger: "preview"})
	return p, err
}

// entraNames returns, by DN, the userPrincipalName the engine would give
// each user of objs in Entra with cfg and tenant t. Users the engine
// leaves out (built-in and service accounts) are absent.
func (b *Backend) entraNames(ctx context.Context, cfg sync.Config, t sync.Tenant, objs []*sync.SourceObject) (map[string]string, error) {
	cfg.Entra.InitialDomain = t.InitialDomain
	p, err := b.dryRun(ctx, cfg, sliceSource(objs), domainsTarget{t})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string)
	for _, c := range p.Changes {
		if c.Op == sync.OpCreate && c.Kind == sync.KindUser {
			names[strings.ToLower(c.DN)] = c.Attributes[sync.AttrUserPrincipalName]
		}
	}
	return names, nil
}

// errEnough stops an import once it has read what a preview needs.
var errEnough = errors.New("live: read enough")

// readAD hands fn every user, group and contact of the forest, read by the
// engine's own AD source (so objects are what a sync sees), until fn
// returns errEnough.
func (b *Backend) readAD(ctx context.Context, cfg sync.Config, fn func(*sync.SourceObject) error) error {
	src := sync.NewADSource(b.dialReader, sync.ADSourceOptions{SourceAnchor: cfg.Sync.SourceAnchor, ForceUSN: true, Logger: b.log})
	_, err := src.Import(ctx, sync.ImportRequest{Full: true, Include: cfg.AD.Scope.Include}, fn)
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}
