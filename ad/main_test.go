package ad

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/entrasync/entrasync/ad/adtest"
)

func TestMain(m *testing.M) { adtest.Main(m) }

// quiet discards the warnings a test provokes on purpose.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// adminOptions returns options that bind to dc as Administrator over
// LDAPS, verifying the DC's certificate with its CA file.
func adminOptions(dc *adtest.DC) Options {
	return Options{Host: dc.Host, CAFile: dc.CAFile, Username: dc.AdminUPN, Password: dc.AdminPassword, Logger: quiet}
}

// userOptions binds as a fixture user with the fixtures' password.
func userOptions(dc *adtest.DC, user string) Options {
	o := adminOptions(dc)
	o.Username, o.Password = user, dc.UserPassword
	return o
}

// dial connects with opts and closes the client when the test ends.
func dial(t testing.TB, opts Options) *Client {
	t.Helper()
	c, err := Dial(context.Background(), opts)
	if err != nil {
		t.Fatalf("Dial(%s as %s): %v", opts.Host, opts.Username, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// admin returns a client bound as Administrator to the test binary's DC.
func admin(t *testing.T) (*adtest.DC, *Client) {
	t.Helper()
	dc := adtest.Start(t)
	return dc, dial(t, adminOptions(dc))
}
