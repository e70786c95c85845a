package sync

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ChangeOp is the kind of a planned [Change].
type ChangeOp string

// The operations of a plan, applied in this order: creates (groups, then
// users), adoptions and updates, then memberships and managers, deletes
// last.
const (
	OpCreate        ChangeOp = "create"
	OpAdopt         ChangeOp = "adopt" // soft match: take over a cloud object by UPN or mail
	OpUpdate        ChangeOp = "update"
	OpAddMembers    ChangeOp = "add-members"
	OpRemoveMembers ChangeOp = "remove-members"
	OpDelete        ChangeOp = "delete"
	// OpWriteAnchor is not in plans: it names, in an [ObjectError], the
	// write-back of a user's anchor into ms-DS-ConsistencyGuid in AD
	// ([AnchorWriter]), after the Entra writes.
	OpWriteAnchor ChangeOp = "write-anchor"
)

// Change is one planned change to one Entra object.
type Change struct {
	Op     ChangeOp `json:"op"`
	Kind   Kind     `json:"kind"`
	Anchor string   `json:"anchor"`
	// EntraID is the object's id, when it exists.
	EntraID string `json:"entraId,omitempty"`
	// Name is the UPN of a user or the display name of a group.
	Name string `json:"name"`
	DN   string `json:"dn,omitempty"`
	// Attributes are the values to write: all of them for a create, the
	// changed ones for an update or adoption ("" clears). AttrManager
	// holds the manager's anchor.
	Attributes Attributes `json:"attributes,omitempty"`
	// Old are the values being replaced, as the store (delta) or Entra
	// (full run) knows them.
	Old Attributes `json:"old,omitempty"`
	// Members are the anchors of the members to add or remove.
	Members []string `json:"members,omitempty"`
	// Drift lists the attributes edited in Entra since entrasync last
	// wrote them: the change puts the AD values back.
	Drift []string `json:"drift,omitempty"`
	// Reason says why, for people: "new in AD", "left the selected OUs",
	// "deleted in AD", "changed in AD", "edited in Entra", "retry".
	Reason string `json:"reason,omitempty"`
	// Fingerprint digests what the change does and the state it starts
	// from; applying a saved plan requires the same fingerprint now.
	Fingerprint string `json:"fingerprint"`
}

// key identifies a change within a plan.
func (c *Change) key() string { return string(c.Op) + "|" + c.Anchor }

// fingerprint computes c.Fingerprint: a digest of what the change does
// and of the values it replaces.
func (c *Change) fingerprint() string {
	h := sha256.New()
	field := func(s string) {
		h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	attrs := func(a Attributes) {
		h.Write(binary.AppendUvarint(nil, uint64(len(a))))
		for _, k := range a.Names() {
			field(k)
			field(a[k])
		}
	}
	field(string(c.Op))
	field(c.Kind.String())
	field(c.Anchor)
	field(c.EntraID)
	attrs(c.Attributes)
	attrs(c.Old)
	h.Write(binary.AppendUvarint(nil, uint64(len(c.Members))))
	for _, m := range c.Members {
		field(m)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// PlanCounts summarises a plan.
type PlanCounts struct {
	Creates       int `json:"creates"`
	Adopts        int `json:"adopts"`
	Updates       int `json:"updates"`
	Deletes       int `json:"deletes"`
	MemberAdds    int `json:"memberAdds"`    // member references added
	MemberRemoves int `json:"memberRemoves"` // member references removed
	Unchanged     int `json:"unchanged"`     // in-scope objects needing nothing
}

// Plan is the set of changes a run would make: printed for review
// ([Plan.WriteTable], JSON), saved ([Store.SavePlan]) and applied exactly
// ([RunOptions.Plan]).
type Plan struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Full is set for a plan made from a full import.
	Full    bool       `json:"full"`
	Changes []Change   `json:"changes"`
	Counts  PlanCounts `json:"counts"`
	// Names maps the anchors that changes refer to (members, managers) to
	// names people know.
	Names map[string]string `json:"names,omitempty"`
	// Managed is the number of objects entrasync managed before the plan,
	// the base of the deletion percentage.
	Managed  int       `json:"managed"`
	Warnings []Warning `json:"warnings,omitempty"`
	// Blocked lists the guards the plan trips; applying it needs their
	// overrides.
	Blocked []GuardError `json:"blocked,omitempty"`
	// MappingVersion fingerprints the mapping rules the plan was made with.
	MappingVersion string `json:"mappingVersion"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// name returns a person-readable name for anchor.
func (p *Plan) name(anchor string) string {
	if n, ok := p.Names[anchor]; ok {
		return n
	}
	return anchor
}

// count recomputes Counts (but Unchanged) from Changes.
func (p *Plan) count() {
	u := p.Counts.Unchanged
	p.Counts = PlanCounts{Unchanged: u}
	for i := range p.Changes {
		c := &p.Changes[i]
		switch c.Op {
		case OpCreate:
			p.Counts.Creates++
		case OpAdopt:
			p.Counts.Adopts++
		case OpUpdate:
			p.Counts.Updates++
		case OpDelete:
			p.Counts.Deletes++
		case OpAddMembers:
			p.Counts.MemberAdds += len(c.Members)
		case OpRemoveMembers:
			p.Counts.MemberRemoves += len(c.Members)
		}
	}
}

// opOrder is the apply order of operations.
var opOrder = map[ChangeOp]int{OpCreate: 0, OpAdopt: 1, OpUpdate: 2, OpAddMembers: 3, OpRemoveMembers: 4, OpDelete: 5}

// sortChanges orders changes for applying and reading: by operation, groups
// before users for creates, then by name.
func sortChanges(cs []Change) {
	slices.SortStableFunc(cs, func(a, b Change) int {
		if d := opOrder[a.Op] - opOrder[b.Op]; d != 0 {
			return d
		}
		if a.Kind != b.Kind {
			if a.Kind == KindGroup {
				return -1
			}
			if b.Kind == KindGroup {
				return 1
			}
		}
		if d := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); d != 0 {
			return d
		}
		return strings.Compare(a.Anchor, b.Anchor)
	})
}

// Summary is one line: "3 creates, 1 update, 2 deletes, 5 member adds".
func (p *Plan) Summary() string {
	c := p.Counts
	var parts []string
	add := func(n int, one, many string) {
		if n == 1 {
			parts = append(parts, "1 "+one)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(c.Creates, "create", "creates")
	add(c.Adopts, "adoption", "adoptions")
	add(c.Updates, "update", "updates")
	add(c.Deletes, "delete", "deletes")
	add(c.MemberAdds, "member add", "member adds")
	add(c.MemberRemoves, "member removal", "member removals")
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}
