package drill

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// corpusDir holds the bad-input corpus of TestDrillBadInputs, one
// directory per kind (see testdata/corpus/README.md for the format).
const corpusDir = "testdata/corpus"

// The kinds of the corpus, in the order the verdict lists them.
var corpusKinds = []string{"config", "flags", "ad", "graph"}

// corpusCase is one file of the corpus: "# key: value" header lines at
// the top, then the bad input itself (the body), raw bytes.
type corpusCase struct {
	Kind, Name string
	head       map[string][]string
	Body       []byte
}

// headerRE matches a header line: "# key: value", where the key is a
// lower-case word, optionally followed by an attribute name
// ("attr displayName").
var headerRE = regexp.MustCompile(`^# ([a-z][a-z-]*(?: [A-Za-z][A-Za-z-]*)?): ?(.*)$`)

// parseCase splits a corpus file into its header and its body. Header
// lines are the leading lines starting with '#'; those without "key:"
// are comments.
func parseCase(kind, name string, data []byte) corpusCase {
	c := corpusCase{Kind: kind, Name: name, head: map[string][]string{}}
	rest := data
	for len(rest) > 0 && rest[0] == '#' {
		line, after, _ := bytes.Cut(rest, []byte("\n"))
		if m := headerRE.FindSubmatch(bytes.TrimRight(line, "\r")); m != nil {
			c.head[string(m[1])] = append(c.head[string(m[1])], string(m[2]))
		}
		rest = after
	}
	c.Body = rest
	return c
}

// get returns the header's first value, or def.
func (c corpusCase) get(key, def string) string {
	if v := c.head[key]; len(v) > 0 {
		return v[0]
	}
	return def
}

// all returns every value of a header.
func (c corpusCase) all(key string) []string { return c.head[key] }

// has reports whether a header is present.
func (c corpusCase) has(key string) bool { _, ok := c.head[key]; return ok }

// intHead reads a numeric header (decimal, or octal with a leading 0 for
// modes), def when absent.
func (c corpusCase) intHead(tb testing.TB, key string, def int) int {
	tb.Helper()
	v := c.get(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		tb.Fatalf("%s/%s: header %q = %q: want a number", c.Kind, c.Name, key, v)
	}
	return int(n)
}

// attrs returns the "attr NAME" headers as NAME → value.
func (c corpusCase) attrs() map[string]string {
	out := map[string]string{}
	for k, v := range c.head {
		if name, ok := strings.CutPrefix(k, "attr "); ok && len(v) > 0 {
			out[name] = v[0]
		}
	}
	return out
}

// loadCorpus reads every case of every kind, sorted by name.
func loadCorpus(tb testing.TB) map[string][]corpusCase {
	tb.Helper()
	out := map[string][]corpusCase{}
	for _, kind := range corpusKinds {
		files, err := os.ReadDir(filepath.Join(corpusDir, kind))
		if err != nil {
			tb.Fatalf("read the corpus: %v", err)
		}
		for _, f := range files {
			if f.IsDir() || strings.HasPrefix(f.Name(), ".") {
				continue
			}
			data, err := os.ReadFile(filepath.Join(corpusDir, kind, f.Name()))
			if err != nil {
				tb.Fatal(err)
			}
			c := parseCase(kind, f.Name(), data)
			if len(c.all("want")) == 0 && len(c.attrs()) == 0 && !c.has("entra") && !c.has("exit") {
				tb.Fatalf("%s/%s has no expectation: add a '# want: ' line (see %s/README.md)", kind, f.Name(), corpusDir)
			}
			out[kind] = append(out[kind], c)
		}
		slices.SortFunc(out[kind], func(a, b corpusCase) int { return strings.Compare(a.Name, b.Name) })
	}
	return out
}

// skipIfBug skips a case marked with a "bug" header: a product bug the
// drill found, named in the header, that another package must fix. The
// verdict counts it as not passed.
func skipIfBug(t *testing.T, c corpusCase) {
	t.Helper()
	if b := c.get("bug", ""); b != "" {
		t.Skip("known product bug: " + b)
	}
}

// varRE matches a ${NAME} placeholder.
var varRE = regexp.MustCompile(`\$\{([A-Z][A-Z0-9_]*)\}`)

// expand replaces each ${NAME} of data with vars[NAME]; an unknown name
// fails the test (a typo would otherwise test something else).
func expand(tb testing.TB, c corpusCase, data []byte, vars map[string]string) []byte {
	tb.Helper()
	return varRE.ReplaceAllFunc(data, func(m []byte) []byte {
		name := string(varRE.FindSubmatch(m)[1])
		v, ok := vars[name]
		if !ok {
			tb.Fatalf("%s/%s: unknown placeholder ${%s}", c.Kind, c.Name, name)
		}
		return []byte(v)
	})
}

// expandString is expand for a header value.
func expandString(tb testing.TB, c corpusCase, s string, vars map[string]string) string {
	tb.Helper()
	return string(expand(tb, c, []byte(s), vars))
}

// panicked reports whether a process's output shows a Go panic or a
// runtime crash.
func panicked(out string) bool {
	return strings.Contains(out, "panic: ") || strings.Contains(out, "goroutine ") && strings.Contains(out, "[running]") ||
		strings.Contains(out, "fatal error: ")
}

// missingWants returns the wanted substrings that out lacks.
func missingWants(c corpusCase, out string, vars map[string]string, tb testing.TB) []string {
	tb.Helper()
	var missing []string
	for _, w := range c.all("want") {
		w = expandString(tb, c, w, vars)
		if !strings.Contains(out, w) {
			missing = append(missing, w)
		}
	}
	return missing
}
