package drill

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/entrasync/entrasync/sync"
)

// graphTimeout bounds one run against a malformed Graph answer: a run
// that loops on one (a next link pointing at itself) is killed and fails
// its case.
const graphTimeout = 45 * time.Second

// runGraphCorpus syncs a small directory through a fakeGraph proxy, then,
// for each case, adds one user to AD, makes the proxy answer the case's
// requests with the case's body, and runs the real binary (`sync --full`
// unless "args" says otherwise). The run must end with the case's exit
// code (1 unless "exit" says otherwise) and a message holding every
// "want", without a crash, a delete or a lost store record; the proxy
// must have caught a request (else the case proved nothing). With the
// fault gone the next `sync` must converge: every AD object in Entra
// exactly once.
func runGraphCorpus(t *testing.T, cases []corpusCase, tally func(corpusCase, bool)) {
	w := newWorld(t)
	proxy := newFakeGraph(t, w.srv, 13)
	cfg := w.cfg
	cfg.Entra.GraphEndpoint, cfg.Entra.CAFile = proxy.URL, proxy.CAFile
	w.saveConfig(cfg)
	seedDirectory(t, w.dc, w.ou, 5, 1, 3, rand.New(rand.NewPCG(13, 13)))
	if r := w.exec("sync"); r.Code != 0 {
		t.Fatalf("the first sync: exit %d:\n%s", r.Code, r.Stderr)
	}
	vars := map[string]string{
		"GRAPH": proxy.URL, "TENANT": w.cfg.Entra.TenantID, "INITIAL": w.cfg.Entra.InitialDomain,
		"DNSDOMAIN": w.dc.DNSDomain, "OU": w.ou,
	}
	for i, c := range cases {
		tally(c, t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			skipIfBug(t, c)
			sam := fmt.Sprintf("gcase%02d", i)
			w.dc.Add(t, "CN="+sam+","+w.ou, map[string][]string{
				"objectClass": {"user"}, "sAMAccountName": {sam}, "userPrincipalName": {sam + "@" + w.dc.DNSDomain},
				"displayName": {"Graph case " + c.Name}, "userAccountControl": {"514"},
			})
			runGraphCase(t, w, proxy, c, vars)
		}))
	}
}

// runGraphCase runs one malformed-answer case and the run after it.
func runGraphCase(t *testing.T, w *world, proxy *fakeGraph, c corpusCase, vars map[string]string) {
	t.Helper()
	rule := proxyRule{
		Method:  c.get("method", ""),
		Path:    c.get("path", ""),
		Times:   c.intHead(t, "times", 0),
		Forward: c.get("forward", "") == "true",
		Drop:    c.get("drop", "") == "true",
		Status:  c.intHead(t, "status", 200),
		Body:    string(expand(t, c, c.Body, vars)),
		Header:  map[string]string{},
	}
	for _, h := range c.all("header") {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			t.Fatalf("header %q: want 'Name: value'", h)
		}
		rule.Header[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if rule.Path == "" {
		t.Fatal("the case has no '# path:' line")
	}
	args := strings.Fields(expandString(t, c, c.get("args", "sync --full"), vars))
	before := storeEntraIDs(t, w)
	mark := w.mark()
	caught := proxy.caught()
	remove := proxy.catch(rule)
	r, hung := w.execTimeout(graphTimeout, args...)
	remove()
	out := r.Stdout + r.Stderr
	t.Logf("entrasync %s: exit %d\n%s", strings.Join(args, " "), r.Code, out)
	switch want := c.intHead(t, "exit", 1); {
	case hung:
		t.Errorf("entrasync %s hung on the answer: killed after %s", strings.Join(args, " "), graphTimeout)
	case panicked(out):
		t.Errorf("entrasync %s crashed", strings.Join(args, " "))
	case r.Code != want:
		t.Errorf("exit %d, want %d", r.Code, want)
	}
	if proxy.caught() == caught {
		t.Errorf("no request matched %s %s: the case proved nothing", rule.Method, rule.Path)
	}
	if miss := missingWants(c, out, vars, t); len(miss) > 0 {
		t.Errorf("the message does not say %q", miss)
	}
	if n := w.deletesSince(mark); n > 0 {
		t.Errorf("the run deleted %d objects, want none", n)
	}
	after := storeEntraIDs(t, w)
	for anchor, id := range before {
		if after[anchor] != id {
			t.Errorf("the store lost %s's Entra id %s (now %q)", anchor, id, after[anchor])
		}
	}
	r2, hung := w.execTimeout(graphTimeout, "sync")
	if hung || r2.Code != 0 {
		t.Fatalf("the run after the fault: exit %d (hung: %v), want 0:\n%s", r2.Code, hung, r2.Stderr)
	}
	if ck := checkTenant(w.srv, readExpected(t, w.dc, w.ou), w.baseline); !ck.ok() {
		t.Errorf("after the run without the fault: %s", ck)
	}
}

// storeEntraIDs maps each stored anchor to its Entra id.
func storeEntraIDs(t *testing.T, w *world) map[string]string {
	t.Helper()
	st, err := sync.OpenBoltStore(w.dirs().StoreFile(), 5*time.Second)
	if err != nil {
		t.Fatalf("open the state store: %v", err)
	}
	defer st.Close()
	out := map[string]string{}
	if err := st.ForEach(func(r *sync.Record) error { out[r.Anchor] = r.EntraID; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}
