package live

import (
	"context"
	"slices"
	"strings"

	"github.com/entrasync/entrasync/ad"
	"github.com/entrasync/entrasync/sync"
	"github.com/entrasync/entrasync/wizard"
)

// OUTree lists the forest's domains and their organizational units and
// containers (those AD shows outside its advanced view, empty ones too,
// and any other that holds users, groups or contacts), each with the users
// below it as the engine's own AD source reads them, parents before
// children.
func (b *Backend) OUTree(ctx context.Context) ([]wizard.OU, error) {
	c, err := b.dialReader(ctx)
	if err != nil {
		return nil, err
	}
	f, err := c.Forest(ctx)
	t := newTree()
	if err == nil {
		for _, d := range f.Domains {
			if slices.ContainsFunc(f.NamingContexts, func(nc string) bool { return strings.EqualFold(nc, d.DN) }) {
				t.addRoot(d.DN, d.DNSName)
			}
		}
		err = c.Containers(ctx, ad.ContainersOptions{}, func(ct ad.Container) error {
			t.addContainer(ct.DN)
			return nil
		})
	}
	c.Close()
	if err != nil {
		return nil, adProblem(err, c.User())
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

// tree collects containers from their DNs and from the DNs of the objects
// they hold.
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

// chain returns dn and its ancestors up to its domain root, innermost
// first; nil when dn is not below a domain root of the tree.
func (t *tree) chain(dn string) []string {
	var out []string
	for p := dn; p != ""; _, p = splitDN(p) {
		out = append(out, p)
		if t.isRoot[strings.ToLower(p)] {
			return out
		}
	}
	return nil
}

// add adds the containers of chain (as chain returns it) that the tree
// lacks, parents first.
func (t *tree) add(chain []string) {
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
}

// addContainer adds the container dn, and its parents, below its domain
// root; one outside the tree's domains is ignored.
func (t *tree) addContainer(dn string) {
	t.add(t.chain(dn))
}

// addObject adds the containers of the object dn below its domain root
// and counts it as a user of each when user is set.
func (t *tree) addObject(dn string, user bool) {
	_, parent := splitDN(dn)
	chain := t.chain(parent)
	if len(chain) == 0 {
		return // not in a domain of this forest that the DC holds
	}
	t.add(chain)
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
