package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// RecordFile is the name of the setup record in the state directory.
const RecordFile = "setup.json"

// The files setup writes in the state directory (besides the record and
// the state store), named in the configuration relative to it.
const (
	PasswordFile    = "ad-connector.secret" // the connector account's password
	CertificateFile = "entra-app.pem"       // the application's certificate and private key
)

// record is what setup created, written to the state directory (mode
// 0600, atomically) the moment each thing exists, and before each remote
// object is created, its name: so Uninstall removes everything, even after
// a setup that stopped half way or a crash in the middle of a create.
type record struct {
	Version int       `json:"version"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	// Completed is set once the configuration is saved.
	Completed time.Time      `json:"completed,omitzero"`
	TenantID  string         `json:"tenantId,omitempty"`
	Forest    string         `json:"forest,omitempty"`
	Account   *accountRecord `json:"adAccount,omitempty"`
	App       *appRecord     `json:"entraApp,omitempty"`
	// Files are the files setup wrote, absolute paths.
	Files []string `json:"files,omitempty"`
}

// accountRecord is the AD connector account. DN is known before the
// account is created; SID once the DC made it.
type accountRecord struct {
	Name      string   `json:"sAMAccountName"`
	DN        string   `json:"dn"`
	DownLevel string   `json:"downLevelName,omitempty"`
	SID       string   `json:"sid,omitempty"`
	Domains   []string `json:"domains,omitempty"` // the domain roots whose DACLs hold its ACEs
	Created   bool     `json:"created"`           // false: setup stopped while creating it
}

// appRecord is the Entra application and its service principal. The name
// is known before it is created; the ids once Entra made them.
type appRecord struct {
	DisplayName        string `json:"displayName"`
	AppID              string `json:"appId,omitempty"`
	ObjectID           string `json:"objectId,omitempty"`
	ServicePrincipalID string `json:"servicePrincipalId,omitempty"`
	Granted            bool   `json:"permissionsGranted,omitempty"`
	Created            bool   `json:"created"`
}

const recordVersion = 1

func (b *Backend) recordPath() string { return filepath.Join(b.opts.Dirs.State, RecordFile) }

// loadRecord reads the setup record; ok is false when there is none.
func (b *Backend) loadRecord() (r *record, ok bool, err error) {
	data, err := os.ReadFile(b.recordPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("live: read the setup record: %w", err)
	}
	r = new(record)
	if err := json.Unmarshal(data, r); err != nil {
		return nil, false, fmt.Errorf("live: the setup record %s is damaged (%v): remove what it lists by hand, then delete it", b.recordPath(), err)
	}
	if r.Version > recordVersion {
		return nil, false, fmt.Errorf("live: the setup record %s was written by a newer entrasync (version %d): use that version", b.recordPath(), r.Version)
	}
	return r, true, nil
}

// save writes the record atomically with mode 0600, creating the state
// directory (mode 0700) when needed.
func (b *Backend) saveRecord(r *record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("live: encode the setup record: %w", err)
	}
	if err := sync.WriteSecret(b.recordPath(), append(data, '\n')); err != nil {
		return fmt.Errorf("live: write the setup record: %w", err)
	}
	return nil
}

// addFile notes a file setup wrote.
func (r *record) addFile(path string) {
	if !slices.Contains(r.Files, path) {
		r.Files = append(r.Files, path)
	}
}

// leftovers reports whether r lists something that exists or may exist.
func (r *record) leftovers() bool {
	return r != nil && (r.Account != nil || r.App != nil || len(r.Files) > 0)
}
