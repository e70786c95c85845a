package live

import (
	"context"
	"slices"
	"strings"

	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// OUTree lists the forest's domains and the containers (OUs and CN=
// containers such as CN=Users) that hold users, groups or contacts, each
// with the users below it, parents before children. It reads the whole
// forest with the engine's own AD source; containers that hold none of
// those objects are not listed (ad has no container listing).
func (b *Backend) OUTree(ctx context.Context) ([]wizard.OU, error) {
	c, err := b.dialReader(ctx)
	if err != nil {
		return nil, err
	}
	f, err := c.Forest(ctx)
	c.Close()
	if err != nil {
		return nil, adProblem(err, c.User())
	}
	t := newTree()
	for _, d := range f.Domains {
		if slices.ContainsFunc(f.NamingContexts, func(nc string) bool { return strings.EqualFold(nc, d.DN) }) {
			t.addRoot(d.DN, d.DNSName)
		}
	}
	err = b.readAD(ctx, b.previewBase(f.Root.NetBIOS), func(o *sync.SourceObject) error {
		t.addObject(o.DN, o.Kind == sync.KindUser)
		return nil
	})
	if err != nil {
		return nil, syncProblem(err)
	}
	return t.list(), nil
}

// tree collects containers from the DNs of the objects they hold.
type tree struct {
	nodes    map[string]*wizard.OU // by lower-case DN
	roots    []*wizard.OU
	isRoot   map[string]bool // lower-case DNs of the domain roots
	children map[*wizard.OU][]*wizard.OU
}

func newTree() *tree {
	return &tree{nodes: make(map[string]*wizard.OU), isRoot: make(map[string]bool), children: make(map[*wizard.OU][]*wizard.OU)}
}

func (t *tree) addRoot(dn, name string) {
	n := &wizard.OU{DN: dn, Name: name}
	t.nodes[strings.ToLower(dn)] = n
	t.isRoot[strings.ToLower(dn)] = true
	t.roots = append(t.roots, n)
}

// addObject adds the containers of the object dn below its domain root
// and counts it as a user of each when user is set.
func (t *tree) addObject(dn string, user bool) {
	var chain []string // the object's containers, innermost first, up to the domain root
	for _, p := splitDN(dn); p != ""; _, p = splitDN(p) {
		chain = append(chain, p)
		if t.isRoot[strings.ToLower(p)] {
			break
		}
	}
	if len(chain) == 0 || !t.isRoot[strings.ToLower(chain[len(chain)-1])] {
		return // not in a domain of this forest that the DC holds
	}
	for i := len(chain) - 2; i >= 0; i-- {
		key := strings.ToLower(chain[i])
		if t.nodes[key] != nil {
			continue
		}
		parent := t.nodes[strings.ToLower(chain[i+1])]
		first, _ := splitDN(chain[i])
		n := &wizard.OU{DN: chain[i], Name: rdnValue(first), Parent: parent.DN}
		t.nodes[key] = n
		t.children[parent] = append(t.children[parent], n)
	}
	if user {
		for _, p := range chain {
			t.nodes[strings.ToLower(p)].Users++
		}
	}
}

// list returns the tree depth first, children by name.
func (t *tree) list() []wizard.OU {
	var out []wizard.OU
	var walk func(n *wizard.OU)
	walk = func(n *wizard.OU) {
		out = append(out, *n)
		kids := t.children[n]
		slices.SortFunc(kids, func(a, b *wizard.OU) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
		for _, k := range kids {
			walk(k)
		}
	}
	for _, r := range t.roots {
		walk(r)
	}
	return out
}

// splitDN splits dn into its first RDN and the rest (the parent's DN, ""
// for a one-RDN DN). It honours RFC 4514 escapes, so `CN=Smith\, John,OU=x`
// splits into `CN=Smith\, John` and `OU=x`.
func splitDN(dn string) (first, rest string) {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			return strings.TrimSpace(dn[:i]), strings.TrimSpace(dn[i+1:])
		}
	}
	return strings.TrimSpace(dn), ""
}

// rdnValue returns the unescaped value of an RDN ("Sales" for OU=Sales),
// decoding both `\,` and `\2C` escapes.
func rdnValue(rdn string) string {
	_, v, ok := strings.Cut(rdn, "=")
	if !ok {
		return rdn
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			if i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
				b.WriteByte(unhex(v[i+1])<<4 | unhex(v[i+2]))
				i += 2
				continue
			}
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
