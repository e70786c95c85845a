// Package sync is entrasync's sync engine: configuration, mapping rules,
// state store, planner, guards, applier, scheduler and run history, plus the
// Active Directory source and Entra ID target connectors.
//
// The package name shadows the standard library's sync; files that need both
// import the standard one as stdsync.
package sync
