package ad

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// TestInitConsistencyGUID writes mS-DS-ConsistencyGuid only where it is
// empty: the objectGUID goes into a user without one, a repeat succeeds,
// and another value is never replaced.
func TestInitConsistencyGUID(t *testing.T) {
	dc, c := admin(t)
	ctx := context.Background()
	ou := dc.NewOU(t, "init anchor")
	dn := "CN=Fresh," + ou
	dc.Add(t, dn, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"fresh-anchor"}})
	guid := GUID([]byte(dc.Attr(t, dn, "objectGUID")[0]))

	if err := c.InitConsistencyGUID(ctx, guid, guid[:]); err != nil {
		t.Fatalf("first write: %v", err)
	}
	if got := dc.Attr(t, dn, "mS-DS-ConsistencyGuid"); len(got) != 1 || !bytes.Equal([]byte(got[0]), guid[:]) {
		t.Fatalf("mS-DS-ConsistencyGuid = %x, want the objectGUID %x", got, guid[:])
	}
	if err := c.InitConsistencyGUID(ctx, guid, guid[:]); err != nil {
		t.Errorf("writing the same value again: %v, want success", err)
	}
	other := bytes.Repeat([]byte{7}, 16)
	err := c.InitConsistencyGUID(ctx, guid, other)
	var set *ConsistencyGUIDSetError
	if !errors.As(err, &set) || !bytes.Equal(set.Held, guid[:]) || !errors.Is(err, ErrConstraint) {
		t.Errorf("writing another value: %v, want a ConsistencyGUIDSetError holding %x", err, guid[:])
	}
	if got := dc.Attr(t, dn, "mS-DS-ConsistencyGuid"); len(got) != 1 || !bytes.Equal([]byte(got[0]), guid[:]) {
		t.Errorf("after a refused write mS-DS-ConsistencyGuid = %x, want %x kept", got, guid[:])
	}
	if err := c.InitConsistencyGUID(ctx, MustParseGUID("0badc0de-0000-4000-8000-000000000001"), guid[:]); !errors.Is(err, ErrNoSuchObject) {
		t.Errorf("an object that does not exist: %v, want ErrNoSuchObject", err)
	}
	if err := c.InitConsistencyGUID(ctx, guid, nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("an empty value: %v, want ErrInvalidInput", err)
	}
}
