package main

import (
	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree.
func newRootCmd(a *app) *cobra.Command {
	var entra entraFlags
	root := &cobra.Command{
		Use:   "entrasync",
		Short: "Sync users and groups from Active Directory to Microsoft Entra ID",
		Long: `entrasync syncs users and groups from an on-premises Active Directory
forest to a Microsoft Entra ID tenant, writing only through LDAP and
Microsoft Graph.

Run without a command in a terminal, it starts the setup wizard when
entrasync is not set up yet, and the task menu (sync now, preview, history,
settings, uninstall) when it is.

Files: the configuration (config.yaml) and the state directory (secrets,
state store, run lock, log) are /etc/entrasync and /var/lib/entrasync as
root, ~/.config/entrasync and ~/.local/state/entrasync otherwise, both in
--dir when given, and those systemd exports under the service.

` + exitCodesHelp,
		Args:          noArgs,
		RunE:          rootRunE(a, &entra),
		SilenceErrors: true,
		// noArgs suggests commands within this edit distance.
		SuggestionsMinimumDistance: 2,
		SilenceUsage:               true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if a.logLevel != "" {
				if _, err := parseLevel(a.logLevel); err != nil {
					return err
				}
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.dir, "dir", "", "keep the configuration and state in `DIR` instead of the default directories")
	pf.StringVar(&a.logLevel, "log-level", "", "log `LEVEL`: debug, info, warn or error (default: info for run, warn otherwise)")
	pf.BoolVar(&a.accessible, "accessible", false, "line-by-line prompts instead of the full-screen interface (also ENTRASYNC_ACCESSIBLE=1 or TERM=dumb)")

	entra.register(root.Flags())

	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usagef("%w\nRun '%s --help' for usage.", err, cmd.CommandPath())
	})
	root.SetVersionTemplate("{{.Version}}\n")

	root.AddCommand(
		newSetupCmd(a, nil),
		newSyncCmd(a, nil),
		newStatusCmd(a, nil),
		newHistoryCmd(a, nil),
		newRunCmd(a, nil),
		newUninstallCmd(a, nil),
		newDemoCmd(a),
		newVersionCmd(a),
	)
	for _, c := range root.Commands() {
		if c.Args == nil {
			c.Args = noArgs
		}
	}
	return root
}
