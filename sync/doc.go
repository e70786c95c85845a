// Package sync is entrasync's sync engine: configuration, mapping rules,
// state store, planner, guards, applier, scheduler and run history, plus the
// Active Directory source and Entra ID target connectors.
//
// The engine ([Engine]) reads a [Source], writes a [Target] and keeps its
// state in a [Store]: [OpenBoltStore] in production, [NewMemStore] in tests
// and the demo. A run ([Engine.Run]) imports, maps each object by Entra
// Connect's rules, plans the changes ([Plan]), checks the guards
// ([GuardError]) and applies them; [Engine.Plan] stops after planning. A
// [Scheduler] runs the engine on an interval; [FileRunner] gives it the
// state files one run at a time.
//
// The package name shadows the standard library's sync; files that need both
// import the standard one as stdsync.
package sync
