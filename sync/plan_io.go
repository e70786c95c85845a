package sync

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteTable writes the plan for people: a summary line, one row per
// change (operation, kind, object, what changes), the guards it trips and
// the warnings.
func (p *Plan) WriteTable(w io.Writer) error {
	kind := "delta"
	if p.Full {
		kind = "full"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Plan %s (%s run): %s; %d unchanged\n", p.ID, kind, p.Summary(), p.Counts.Unchanged)
	if len(p.Changes) > 0 {
		b.WriteByte('\n')
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "OP\tKIND\tOBJECT\tCHANGES")
		for i := range p.Changes {
			c := &p.Changes[i]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Op, c.Kind, clip(c.Name, 48), p.detail(c))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, g := range p.Blocked {
		fmt.Fprintf(&b, "\nBlocked: %s: %s.", g.Guard, g.Detail)
		if g.Override != "" {
			fmt.Fprintf(&b, " To apply anyway: %s", g.Override)
		}
		b.WriteByte('\n')
	}
	if len(p.Warnings) > 0 {
		b.WriteString("\nWarnings:\n")
		for _, x := range p.Warnings {
			fmt.Fprintf(&b, "  %d x %s", x.Count, x.Message)
			if len(x.Objects) > 0 {
				fmt.Fprintf(&b, " (%s", strings.Join(x.Objects[:min(3, len(x.Objects))], ", "))
				if x.Count > 3 {
					b.WriteString(", ...")
				}
				b.WriteByte(')')
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// detail describes what a change does, in one cell.
func (p *Plan) detail(c *Change) string {
	var parts []string
	switch c.Op {
	case OpCreate:
		parts = append(parts, c.Reason)
		if m := c.Attributes[AttrManager]; m != "" {
			parts = append(parts, "manager "+p.name(m))
		}
	case OpDelete:
		parts = append(parts, c.Reason)
	case OpAddMembers, OpRemoveMembers:
		sign := "+"
		if c.Op == OpRemoveMembers {
			sign = "-"
		}
		for i, m := range c.Members {
			if i == 3 {
				parts = append(parts, fmt.Sprintf("... (%d in all)", len(c.Members)))
				break
			}
			parts = append(parts, sign+p.name(m))
		}
	default:
		for _, k := range c.Attributes.Names() {
			old, now := c.Old[k], c.Attributes[k]
			if k == AttrManager {
				old, now = p.name(old), p.name(now)
			}
			s := fmt.Sprintf("%s: %q → %q", k, clip(old, 30), clip(now, 30))
			for _, d := range c.Drift {
				if d == k {
					s += " (edited in Entra)"
				}
			}
			parts = append(parts, s)
		}
		if c.Op == OpAdopt {
			parts = append([]string{c.Reason}, parts...)
		}
	}
	return strings.Join(parts, "; ")
}

// clip shortens s to n characters with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return truncateRunes(s, n-1) + "…"
}

// planFormat identifies the JSON of a saved plan file.
const planFormat = "entrasync-plan/1"

// WriteJSON writes the plan as indented JSON, the format `entrasync sync
// --dry-run --plan FILE` saves and ReadPlanJSON reads.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Format string `json:"format"`
		*Plan
	}{planFormat, p})
}

// ReadPlanJSON reads a plan WriteJSON wrote.
func ReadPlanJSON(r io.Reader) (*Plan, error) {
	var v struct {
		Format string `json:"format"`
		Plan
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("sync: read plan: not a plan file entrasync wrote: %w", err)
	}
	if v.Format != planFormat {
		return nil, fmt.Errorf("sync: read plan: format %q, want %q: make the plan again with this entrasync", v.Format, planFormat)
	}
	return &v.Plan, nil
}
