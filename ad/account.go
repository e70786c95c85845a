package ad

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-ldap/ldap/v3"
)

// ConnectorAccountPrefix starts the names of the accounts
// [Client.CreateConnectorAccount] makes, so the sync can leave them out.
const ConnectorAccountPrefix = "ESYNC_"

// Schema and extended-right GUIDs the connector's ACEs name. They are the
// same in every AD forest (MS-ADA3, MS-ADSC, MS-ADTS §5.1.3.2.1); a test
// checks them against the DC's schema.
var (
	// RightGetChanges is DS-Replication-Get-Changes ("Replicating
	// Directory Changes"), which DirSync requires.
	RightGetChanges = MustParseGUID("1131f6aa-9c07-11d1-f79f-00c04fc2dcd2")
	// RightGetChangesAll is DS-Replication-Get-Changes-All, which also
	// replicates secrets such as password hashes. The connector does not
	// get it (see connectorACEs).
	RightGetChangesAll = MustParseGUID("1131f6ad-9c07-11d1-f79f-00c04fc2dcd2")

	ClassUser          = MustParseGUID("bf967aba-0de6-11d0-a285-00aa003049e2") // schemaIDGUID of user
	ClassInetOrgPerson = MustParseGUID("4828cc14-1437-45bc-9b07-ad6f015e5f28") // schemaIDGUID of inetOrgPerson
	ClassGroup         = MustParseGUID("bf967a9c-0de6-11d0-a285-00aa003049e2") // schemaIDGUID of group
	ClassContact       = MustParseGUID("5cb41ed0-0e4c-11d0-a286-00aa003049e2") // schemaIDGUID of contact
	// AttrConsistencyGUID is the schemaIDGUID of mS-DS-ConsistencyGuid.
	AttrConsistencyGUID = MustParseGUID("23773dc2-b63a-11d2-90e1-00c04fd91ab1")
)

// ConnectorAccountOptions say how to create the connector account.
type ConnectorAccountOptions struct {
	// Name is the sAMAccountName (20 characters at most); empty means
	// ESYNC_ and 12 random hex digits.
	Name string
	// WriteConsistencyGUID also grants writing mS-DS-ConsistencyGuid on
	// users, needed only when that attribute is the source anchor and
	// entrasync writes it back.
	WriteConsistencyGUID bool
}

// ConnectorAccount is the non-admin account the sync reads AD with.
type ConnectorAccount struct {
	DN                string
	SID               SID
	SAMAccountName    string
	UserPrincipalName string
	DownLevelName     string // NETBIOS\sAMAccountName
	// Password is set by CreateConnectorAccount and
	// RotateConnectorPassword only: store it as a secret; it cannot be
	// read back.
	Password string
	// Domains are the DNs of the domain roots where the rights were granted.
	Domains []string
}

// connectorACEs are exactly the rights the sync needs on a domain root:
//
//   - DS-Replication-Get-Changes on the domain object itself, for DirSync.
//     Not Get-Changes-All: DirSync works without it on AD and on Samba
//     (tested), and it would expose password hashes.
//   - read (list, read properties, read permissions) inherited by users,
//     inetOrgPersons, groups and contacts, the classes the sync reads, so
//     the account reads them even where Authenticated Users may not.
//   - with writeConsistencyGUID, write of mS-DS-ConsistencyGuid inherited
//     by users and inetOrgPersons.
func connectorACEs(sid SID, writeConsistencyGUID bool) []ACE {
	inheritOnly := byte(ACEFlagContainerInherit | ACEFlagInheritOnly)
	aces := []ACE{NewObjectACE(ACETypeAccessAllowedObject, 0, RightDSControl, RightGetChanges, GUID{}, sid)}
	for _, class := range []GUID{ClassUser, ClassInetOrgPerson, ClassGroup, ClassContact} {
		aces = append(aces, NewObjectACE(ACETypeAccessAllowedObject, inheritOnly, RightGenericRead, GUID{}, class, sid))
	}
	if writeConsistencyGUID {
		for _, class := range []GUID{ClassUser, ClassInetOrgPerson} {
			aces = append(aces, NewObjectACE(ACETypeAccessAllowedObject, inheritOnly, RightDSWriteProp, AttrConsistencyGUID, class, sid))
		}
	}
	return aces
}

// CreateConnectorAccount creates the connector account in CN=Users of the
// forest root domain: a normal, enabled user whose password never expires,
// with a random 40-character password set at creation over the encrypted
// connection, and grants it [connectorACEs] on every domain root this DC
// holds. If granting fails the account is deleted again. It needs Domain
// Admin rights in the forest root (Enterprise Admin for other domains).
func (c *Client) CreateConnectorAccount(ctx context.Context, opts ConnectorAccountOptions) (ConnectorAccount, error) {
	if !c.tls {
		return ConnectorAccount{}, fmt.Errorf("ad: create the connector account: refusing to send a password over plain LDAP; connect with LDAPS or StartTLS: %w", ErrStrongAuthRequired)
	}
	name := opts.Name
	if name == "" {
		name = ConnectorAccountPrefix + randomHex(6)
	}
	if err := validateSAMAccountName(name); err != nil {
		return ConnectorAccount{}, err
	}
	f, err := c.Forest(ctx)
	if err != nil {
		return ConnectorAccount{}, err
	}
	acct := ConnectorAccount{
		DN:                "CN=" + EscapeDN(name) + ",CN=Users," + f.Root.DN,
		SAMAccountName:    name,
		UserPrincipalName: name + "@" + strings.ToLower(f.Root.DNSName),
		DownLevelName:     f.Root.NetBIOS + `\` + name,
		Password:          newPassword(),
	}
	add := ldap.NewAddRequest(acct.DN, nil)
	add.Attribute("objectClass", []string{"user"})
	add.Attribute("sAMAccountName", []string{name})
	add.Attribute("userPrincipalName", []string{acct.UserPrincipalName})
	add.Attribute("displayName", []string{"entrasync connector"})
	add.Attribute("description", []string{fmt.Sprintf("entrasync connector account: reads this forest for the sync to Entra ID. Created %s by %s. Remove it with entrasync's uninstall.",
		time.Now().UTC().Format(time.DateOnly), c.user)})
	add.Attribute("unicodePwd", []string{unicodePassword(acct.Password)})
	add.Attribute("userAccountControl", []string{fmt.Sprint(UACNormalAccount | UACDontExpirePassword)})
	if err := ctx.Err(); err != nil {
		return ConnectorAccount{}, err
	}
	if err := c.opError("create the connector account", acct.DN, c.conn.Add(add)); err != nil {
		return ConnectorAccount{}, err
	}
	e, err := c.readEntry(ctx, acct.DN, []string{"objectSid"})
	if err == nil {
		acct.SID, err = SIDFromBytes(e.GetRawAttributeValue("objectSid"))
	}
	if err == nil {
		acct.Domains, err = c.GrantConnectorRights(ctx, acct.SID, opts.WriteConsistencyGUID)
	}
	if err != nil {
		if delErr := c.deleteEntry(ctx, acct.DN); delErr != nil {
			return ConnectorAccount{}, fmt.Errorf("%w (and deleting the half-made account %s failed: %v)", err, acct.DN, delErr)
		}
		return ConnectorAccount{}, err
	}
	return acct, nil
}

// GrantConnectorRights adds [connectorACEs] for sid to the DACL of each
// domain root this DC holds and returns their DNs. ACEs already there are
// not added twice, so it is safe to run again.
func (c *Client) GrantConnectorRights(ctx context.Context, sid SID, writeConsistencyGUID bool) ([]string, error) {
	domains, err := c.writableDomains(ctx)
	if err != nil {
		return nil, err
	}
	for _, dn := range domains {
		sd, err := c.readDACL(ctx, dn)
		if err != nil {
			return nil, err
		}
		changed := false
		for _, ace := range connectorACEs(sid, writeConsistencyGUID) {
			changed = sd.DACL.Add(ace) || changed
		}
		if changed {
			if err := c.writeDACL(ctx, dn, sd); err != nil {
				return nil, err
			}
		}
	}
	return domains, nil
}

// MissingConnectorRights returns, per domain root, the connector ACEs for
// sid that its DACL lacks; an empty map means everything is granted.
func (c *Client) MissingConnectorRights(ctx context.Context, sid SID, writeConsistencyGUID bool) (map[string][]ACE, error) {
	domains, err := c.writableDomains(ctx)
	if err != nil {
		return nil, err
	}
	missing := map[string][]ACE{}
	for _, dn := range domains {
		sd, err := c.readDACL(ctx, dn)
		if err != nil {
			return nil, err
		}
		for _, want := range connectorACEs(sid, writeConsistencyGUID) {
			found := false
			for _, have := range sd.DACL.ACEs {
				found = found || have.Equal(want)
			}
			if !found {
				missing[dn] = append(missing[dn], want)
			}
		}
	}
	return missing, nil
}

// RotateConnectorPassword sets a new random password on the account dn (an
// administrative reset) and returns it. DCs may accept the old password
// for an hour more (OldPasswordAllowedPeriod on AD, "old password allowed
// period" on Samba), so a client still using it keeps working meanwhile.
func (c *Client) RotateConnectorPassword(ctx context.Context, dn string) (string, error) {
	if !c.tls {
		return "", fmt.Errorf("ad: rotate the password of %s: refusing to send a password over plain LDAP: %w", dn, ErrStrongAuthRequired)
	}
	pw := newPassword()
	m := ldap.NewModifyRequest(dn, nil)
	m.Replace("unicodePwd", []string{unicodePassword(pw)})
	if err := c.modify(ctx, "set the password of", m); err != nil {
		return "", err
	}
	return pw, nil
}

// RemoveConnectorAccount removes the ACEs of the account's SID from every
// domain root this DC holds, then deletes the account. What is already gone
// is skipped, so it is safe to run again, and it works from the SID alone
// when the account was deleted by hand, or from the DN alone.
func (c *Client) RemoveConnectorAccount(ctx context.Context, acct ConnectorAccount) error {
	if acct.SID.IsZero() && acct.DN != "" {
		e, err := c.readEntry(ctx, acct.DN, []string{"objectSid"})
		if errors.Is(err, ErrNoSuchObject) {
			return fmt.Errorf("ad: remove the connector account: %s does not exist and no SID was given to clean its permissions with: %w", acct.DN, ErrNoSuchObject)
		}
		if err != nil {
			return err
		}
		if acct.SID, err = SIDFromBytes(e.GetRawAttributeValue("objectSid")); err != nil {
			return fmt.Errorf("ad: objectSid of %s: %w", acct.DN, err)
		}
	}
	if acct.SID.IsZero() {
		return fmt.Errorf("ad: remove the connector account: give its DN or SID: %w", ErrInvalidInput)
	}
	if acct.SID.RID() < 1000 {
		return fmt.Errorf("ad: remove the connector account: %s is a built-in account, not one entrasync created: %w", acct.SID, ErrInvalidInput)
	}
	domains, err := c.writableDomains(ctx)
	if err != nil {
		return err
	}
	for _, dn := range domains {
		sd, err := c.readDACL(ctx, dn)
		if err != nil {
			return err
		}
		if sd.DACL.RemoveSID(acct.SID) > 0 {
			if err := c.writeDACL(ctx, dn, sd); err != nil {
				return err
			}
		}
	}
	dn := acct.DN
	if dn == "" {
		dn = "<SID=" + acct.SID.String() + ">"
	}
	err = c.deleteEntry(ctx, dn)
	if errors.Is(err, ErrNoSuchObject) {
		return nil
	}
	return err
}

// writableDomains returns the DNs of the forest's domains whose partition
// this DC holds (it can change only those).
func (c *Client) writableDomains(ctx context.Context) ([]string, error) {
	f, err := c.Forest(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := Scope{}.resolve(f)
	if err != nil {
		return nil, err
	}
	return sc.include, nil
}

func (c *Client) deleteEntry(ctx context.Context, dn string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.opError("delete", dn, c.conn.Del(ldap.NewDelRequest(dn, nil)))
}

// validateSAMAccountName checks AD's rules for a user's sAMAccountName.
func validateSAMAccountName(name string) error {
	switch {
	case name == "" || len(name) > 20:
		return fmt.Errorf("ad: account name %q: 1 to 20 characters: %w", name, ErrInvalidInput)
	case strings.ContainsAny(name, `"/\[]:;|=,+*?<>@`) || strings.HasSuffix(name, ".") || strings.TrimSpace(name) != name:
		return fmt.Errorf("ad: account name %q: none of \"/\\[]:;|=,+*?<>@, no trailing dot or spaces: %w", name, ErrInvalidInput)
	}
	for _, r := range name {
		if r < 0x20 {
			return fmt.Errorf("ad: account name %q has a control character: %w", name, ErrInvalidInput)
		}
	}
	return nil
}

// passwordAlphabet has 64 characters, so a random byte's low six bits pick
// one without bias.
const passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// newPassword returns 40 random characters (240 bits) with at least one
// upper-case letter, lower-case letter and digit, which meets AD's
// complexity rule (three of four classes).
func newPassword() string {
	b := make([]byte, 40)
	for {
		rand.Read(b)
		var upper, lower, digit bool
		for i := range b {
			b[i] = passwordAlphabet[b[i]&63]
			upper = upper || b[i] >= 'A' && b[i] <= 'Z'
			lower = lower || b[i] >= 'a' && b[i] <= 'z'
			digit = digit || b[i] >= '0' && b[i] <= '9'
		}
		if upper && lower && digit {
			return string(b)
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// unicodePassword is the value of unicodePwd for password: the password in
// double quotes, in UTF-16LE (MS-ADTS §3.1.1.3.1.5.1).
func unicodePassword(password string) string {
	u := utf16.Encode([]rune(`"` + password + `"`))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return string(b)
}
