package sync

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Defaults of the configuration, as Entra Connect's express settings choose
// them where it has an equivalent.
const (
	DefaultInterval          = 5 * time.Minute
	MinInterval              = 30 * time.Second
	DefaultFullInterval      = 24 * time.Hour
	DefaultADTimeout         = 30 * time.Second
	DefaultDeletionThreshold = 500 // Entra Connect's accidental-delete threshold
	DefaultDeletionPercent   = 10
	DefaultMemberRemovals    = 500
	DefaultAuthorityHost     = "https://login.microsoftonline.com/"
	DefaultGraphEndpoint     = "https://graph.microsoft.com"
)

// The values of [SyncConfig.SourceAnchor].
const (
	AnchorConsistencyGUID = "ms-DS-ConsistencyGuid"
	AnchorObjectGUID      = "objectGUID"
)

// DefaultConfig returns a configuration holding every default. Start from
// it when building a configuration in code: some zero values are meaningful
// (a DeletionThreshold of 0 refuses every delete, SchedulerEnabled false
// means manual runs only), so a zero Config is not a default one.
func DefaultConfig() Config {
	return Config{
		AD: ADConfig{
			Transport:   "ldaps",
			Timeout:     Duration(DefaultADTimeout),
			ObjectTypes: []string{"users", "groups"},
		},
		Entra: EntraConfig{
			AuthorityHost: DefaultAuthorityHost,
			GraphEndpoint: DefaultGraphEndpoint,
		},
		Sync: SyncConfig{
			SourceAnchor:             AnchorConsistencyGUID,
			Interval:                 Duration(DefaultInterval),
			FullInterval:             Duration(DefaultFullInterval),
			SchedulerEnabled:         true,
			DeletionThreshold:        DefaultDeletionThreshold,
			DeletionThresholdPercent: DefaultDeletionPercent,
			MemberRemovalThreshold:   DefaultMemberRemovals,
			OptionalAttributes:       AllOptionalAttributes(),
		},
	}
}

// LoadConfig reads the YAML configuration file at path, fills the defaults
// of the fields it leaves out, and validates it. Errors name the file, and
// the line or the field at fault.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Config{}, fmt.Errorf("sync: no configuration at %s: run `entrasync setup` first, or pass --config: %w", path, err)
		}
		return Config{}, fmt.Errorf("sync: read configuration: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("sync: configuration %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig parses a YAML configuration, fills the defaults of the fields
// it leaves out and validates it. Unknown fields are errors (a misspelt
// field must not silently fall back to its default). A validation failure
// is a [*ValidationError].
func ParseConfig(data []byte) (Config, error) {
	if err := checkUTF8(data); err != nil {
		return Config{}, err
	}
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, explainYAMLError(err, fieldsByLine(data))
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// SetDefaults fills the fields whose zero value has no meaning of its own:
// the AD port (from the transport), transport, timeout, object types,
// endpoints, source anchor and intervals. It leaves the thresholds,
// SchedulerEnabled and OptionalAttributes alone (see [DefaultConfig]).
func (c *Config) SetDefaults() {
	d := DefaultConfig()
	if c.AD.Transport == "" {
		c.AD.Transport = d.AD.Transport
	}
	if c.AD.Port == 0 {
		switch strings.ToLower(c.AD.Transport) {
		case "starttls":
			c.AD.Port = 389
		case "ldaps":
			c.AD.Port = 636
		}
	}
	if c.AD.Timeout == 0 {
		c.AD.Timeout = d.AD.Timeout
	}
	if c.AD.ObjectTypes == nil {
		c.AD.ObjectTypes = d.AD.ObjectTypes
	}
	if c.Entra.AuthorityHost == "" {
		c.Entra.AuthorityHost = d.Entra.AuthorityHost
	}
	if c.Entra.GraphEndpoint == "" {
		c.Entra.GraphEndpoint = d.Entra.GraphEndpoint
	}
	if c.Sync.SourceAnchor == "" {
		c.Sync.SourceAnchor = d.Sync.SourceAnchor
	}
	if c.Sync.Interval == 0 {
		c.Sync.Interval = d.Sync.Interval
	}
	if c.Sync.FullInterval == 0 {
		c.Sync.FullInterval = d.Sync.FullInterval
	}
}

// SaveConfig validates cfg and writes it to path as YAML, atomically (a
// temporary file renamed over the old one), with mode 0644: the file holds
// no secrets, only the names of the files that do.
func SaveConfig(path string, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("# entrasync configuration: every field is described in\n# https://github.com/entrasync/entrasync/blob/main/sync/testdata/config.example.yaml\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		return fmt.Errorf("sync: encode configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("sync: encode configuration: %w", err)
	}
	return writeFileAtomic(path, buf.Bytes(), 0o644)
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path, so readers see the old or the new file, never half.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sync: create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("sync: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("sync: write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("sync: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sync: write %s: %w", path, err)
	}
	if err := AdoptDirOwner(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sync: write %s: %w", path, err)
	}
	return nil
}

// yamlSections names the configuration sections by Go type, to turn
// yaml.v3's "field x not found in type sync.ADConfig" into the user's terms.
var yamlSections = map[string]string{
	"sync.Config":        "the top level",
	"sync.ADConfig":      "ad",
	"sync.ScopeConfig":   "ad.scope",
	"sync.EntraConfig":   "entra",
	"sync.SyncConfig":    "sync",
	"sync.MetricsConfig": "metrics",
}

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)
	wrongTypeRE    = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) (?:`(.*)` )?into (\\S+)$")
)

// yamlKinds says in the user's terms what a Go type of the configuration
// wants, for yaml.v3's "cannot unmarshal !!str `x` into bool".
var yamlKinds = map[string]string{
	"bool":     "true or false",
	"int":      "a whole number",
	"uint16":   "a port number (1-65535)",
	"string":   "text",
	"[]string": "a list, like [users, groups] or one item per line starting with -",
}

// explainYAMLError rewrites yaml.v3's messages about unknown fields and
// wrong types so they name the field (fields maps a line to the dotted
// name of the field whose value is on it) and what it wants; every other
// message is kept (they carry the line).
func explainYAMLError(err error, fields map[int]string) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("not valid YAML: %w", err)
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		if sm := unknownFieldRE.FindStringSubmatch(m); sm != nil {
			section := yamlSections[sm[3]]
			if section == "" {
				section = sm[3]
			}
			m = fmt.Sprintf("line %s: unknown field %q in %s: check its spelling against the example configuration", sm[1], sm[2], section)
		} else if sm := wrongTypeRE.FindStringSubmatch(m); sm != nil {
			m = explainWrongType(sm[1], sm[2], sm[3], sm[4], fields)
		}
		msgs = append(msgs, m)
	}
	return errors.New(strings.Join(msgs, "; "))
}

// explainWrongType words a value of the wrong YAML kind (tag) on line:
// the field, the value, and what the field wants.
func explainWrongType(line, tag, value, goType string, fields map[int]string) string {
	n, _ := strconv.Atoi(line)
	field := fields[n]
	if section, ok := yamlSections[goType]; ok {
		if goType == "sync.Config" {
			return fmt.Sprintf("line %s: the configuration must be a mapping of sections (ad:, entra:, sync:, metrics:), not a %s", line, yamlTagWords(tag))
		}
		return fmt.Sprintf("line %s: %s must be a mapping of fields, not a %s", line, section, yamlTagWords(tag))
	}
	want := yamlKinds[goType]
	if want == "" {
		want = "a value of another kind"
	}
	what := "a " + yamlTagWords(tag)
	if value != "" {
		what = strconv.Quote(value)
	}
	if field == "" {
		return fmt.Sprintf("line %s: %s where %s goes", line, what, want)
	}
	return fmt.Sprintf("line %s: %s: %s is not %s", line, field, what, want)
}

// yamlTagWords names a YAML tag (str, int, seq, map...) in words.
func yamlTagWords(tag string) string {
	switch tag {
	case "seq":
		return "list"
	case "map":
		return "mapping"
	case "str":
		return "text"
	case "int", "float":
		return "number"
	}
	return tag
}

// fieldsByLine maps each line holding a mapping key to its dotted field
// name (ad.scope.include), for messages yaml.v3 gives only a line.
// Unparseable input gives an empty map.
func fieldsByLine(data []byte) map[int]string {
	fields := map[int]string{}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return fields
	}
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, prefix)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				name := k.Value
				if prefix != "" {
					name = prefix + "." + k.Value
				}
				fields[k.Line] = name
				if v.Line != k.Line {
					fields[v.Line] = name
				}
				walk(v, name)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				if _, taken := fields[c.Line]; !taken {
					fields[c.Line] = prefix
				}
				walk(c, prefix)
			}
		}
	}
	walk(&doc, "")
	return fields
}

// checkUTF8 refuses a file that is not UTF-8, naming the line and column
// of the first bad byte (yaml.v3 names neither).
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	line, col := 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return fmt.Errorf("not valid YAML: line %d, column %d: byte 0x%02x is not UTF-8: save the file as UTF-8", line, col, data[0])
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[size:]
	}
	return nil
}

// MarshalYAML writes the duration as "5m0s"-style text.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// UnmarshalYAML reads "30s", "5m", "24h" or "1h30m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		// A *yaml.TypeError lets the decoder go on and report every bad
		// field at once, each with its line.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration: write it with a unit, like 30s, 5m or 24h", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// String formats the duration like time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }
