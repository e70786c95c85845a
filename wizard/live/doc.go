// Package live is the real [wizard.Backend]: it signs in to Entra ID and
// Active Directory with packages entra and ad, creates and removes the two
// service identities, and runs the sync engine of package sync over the
// saved configuration. The wizard's screens, the unattended setup and the
// demo all drive it through the same methods.
package live
