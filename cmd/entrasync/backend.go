package main

import (
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard/live"
)

// entraFlags say how the administrator signs in to Entra ID, for the
// commands that sign in (the wizard, setup, uninstall).
type entraFlags struct {
	ClientID      string
	Tenant        string
	AuthorityHost string
	GraphEndpoint string
	CAFile        string
}

// register adds the flags to fs.
func (f *entraFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.ClientID, "client-id", "", "public client `ID` the administrator signs in through (default: Microsoft Graph Command Line Tools, 14d82eec-204b-4c2f-b7e8-296a70dab67e)")
	fs.StringVar(&f.Tenant, "tenant", "", "sign in to this tenant only (`ID` or domain; default: the account's own)")
	fs.StringVar(&f.AuthorityHost, "authority-host", "", "identity platform `URL` for national clouds (default https://login.microsoftonline.com/)")
	fs.StringVar(&f.GraphEndpoint, "graph-endpoint", "", "Microsoft Graph `URL` for national clouds (default https://graph.microsoft.com)")
	fs.StringVar(&f.CAFile, "entra-ca-file", "", "also trust the CAs in `FILE` for Entra ID (a TLS-inspecting proxy)")
}

// newBackend returns the live wizard backend over the directories d. Once
// a configuration is saved, the backend signs in to its tenant and cloud
// whatever the flags say.
func newBackend(d sync.Dirs, f entraFlags, logger *slog.Logger) (*live.Backend, error) {
	return live.New(live.Options{
		Dirs:          d,
		ClientID:      f.ClientID,
		TenantID:      f.Tenant,
		AuthorityHost: f.AuthorityHost,
		GraphEndpoint: f.GraphEndpoint,
		EntraCAFile:   f.CAFile,
		Logger:        logger,
	})
}

// or returns v, or def when v is empty.
func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
