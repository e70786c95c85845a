package ad

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// SetConsistencyGUID writes mS-DS-ConsistencyGuid of the object whose
// objectGUID is guid, replacing any value. The connector account may do
// it only when it was created with WriteConsistencyGUID. The sync uses
// [Client.InitConsistencyGUID], which never replaces a value.
func (c *Client) SetConsistencyGUID(ctx context.Context, guid GUID, value []byte) error {
	if len(value) == 0 {
		return fmt.Errorf("ad: set mS-DS-ConsistencyGuid of %s: empty value: %w", guid, ErrInvalidInput)
	}
	m := ldap.NewModifyRequest(guid.LDAPDN(), nil)
	m.Replace("mS-DS-ConsistencyGuid", []string{string(value)})
	return c.modify(ctx, "set mS-DS-ConsistencyGuid of", m)
}

// InitConsistencyGUID sets mS-DS-ConsistencyGuid of the object whose
// objectGUID is guid to value when the attribute is empty, as Entra
// Connect's ConsistencyGuid feature does when that attribute is the
// source anchor (usually with the objectGUID's own 16 bytes, so the anchor
// survives a move to another forest:
// https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts).
// It never replaces a value: it adds one (an LDAP modify "add", which the
// DC refuses on a single-valued attribute that has one), so it is safe to
// repeat and to race. It succeeds when the attribute holds value already;
// when it holds another it returns a [*ConsistencyGUIDSetError]. The
// connector account may do it only when it was created with
// WriteConsistencyGUID (else the error matches ErrInsufficientRights).
func (c *Client) InitConsistencyGUID(ctx context.Context, guid GUID, value []byte) error {
	if len(value) == 0 {
		return fmt.Errorf("ad: set mS-DS-ConsistencyGuid of %s: empty value: %w", guid, ErrInvalidInput)
	}
	m := ldap.NewModifyRequest(guid.LDAPDN(), nil)
	m.Add("mS-DS-ConsistencyGuid", []string{string(value)})
	err := c.modify(ctx, "set mS-DS-ConsistencyGuid of", m)
	if err == nil || !errors.Is(err, ErrConstraint) {
		return err
	}
	// Refused: it has a value already. Which?
	e, rerr := c.readEntry(ctx, guid.LDAPDN(), []string{"mS-DS-ConsistencyGuid"})
	if rerr != nil {
		return err
	}
	switch held := e.GetEqualFoldRawAttributeValue("mS-DS-ConsistencyGuid"); {
	case bytes.Equal(held, value):
		return nil
	case len(held) > 0:
		return &ConsistencyGUIDSetError{GUID: guid, Held: bytes.Clone(held)}
	}
	return err
}

// ConsistencyGUIDSetError says [Client.InitConsistencyGUID] found
// mS-DS-ConsistencyGuid holding another value, which it keeps. It matches
// ErrConstraint.
type ConsistencyGUIDSetError struct {
	GUID GUID   // the object's objectGUID
	Held []byte // the value it holds
}

// Error names the object and the value kept.
func (e *ConsistencyGUIDSetError) Error() string {
	return fmt.Sprintf("ad: mS-DS-ConsistencyGuid of %s already holds %x: kept", e.GUID, e.Held)
}

// Unwrap returns ErrConstraint.
func (e *ConsistencyGUIDSetError) Unwrap() error { return ErrConstraint }
