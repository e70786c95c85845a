// Package wizard is entrasync's terminal user interface: the setup wizard,
// the task menu and the sync progress screen.
package wizard
