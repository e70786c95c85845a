package ad

import (
	"context"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// SetConsistencyGUID writes mS-DS-ConsistencyGuid of the object whose
// objectGUID is guid, as Entra Connect does when that attribute is the
// source anchor: usually with the objectGUID's own 16 bytes, so the anchor
// survives a move to another forest. The connector account may do it only
// when it was created with WriteConsistencyGUID.
func (c *Client) SetConsistencyGUID(ctx context.Context, guid GUID, value []byte) error {
	if len(value) == 0 {
		return fmt.Errorf("ad: set mS-DS-ConsistencyGuid of %s: empty value: %w", guid, ErrInvalidInput)
	}
	m := ldap.NewModifyRequest(guid.LDAPDN(), nil)
	m.Replace("mS-DS-ConsistencyGuid", []string{string(value)})
	return c.modify(ctx, "set mS-DS-ConsistencyGuid of", m)
}
