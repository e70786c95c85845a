// Package wizard is entrasync's terminal user interface: the setup wizard,
// the task menu and the sync progress screen.
//
// [RunSetup] walks the express path (and the customize pages) and
// [RunMenu] opens the task menu, both over a [Backend] that adapts AD,
// Entra ID and the sync engine; the wizard knows nothing else of them.
// They draw on one full-screen bubbletea program, or, in accessible mode,
// ask line by line with huh's accessible prompts. While they run they own
// the terminal: they write nothing but the interface, and the Backend must
// log to a file.
//
// Every answer is also a configuration field or a flag: [Answers] maps to
// sync.Config with [Answers.Config], so an unattended setup reuses the same
// defaults and checks.
package wizard
