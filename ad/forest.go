package ad

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// RootDSE is what a DC says about itself before any bind (RFC 4512 §5.1,
// MS-ADTS §3.1.1.3.2).
type RootDSE struct {
	DefaultNamingContext       string   // the domain partition this DC serves
	RootDomainNamingContext    string   // the forest root domain's DN
	ConfigurationNamingContext string   // CN=Configuration,<forest root>
	SchemaNamingContext        string   // CN=Schema,CN=Configuration,<forest root>
	NamingContexts             []string // every partition this DC holds
	DNSHostName                string   // the DC's DNS name
	ServerName                 string   // DN of the DC's server object in CN=Sites
	DSServiceName              string   // DN of the DC's NTDS Settings object
	HighestCommittedUSN        int64    // the DC's latest update sequence number
	DomainFunctionality        int      // domain functional level (4 = 2008 R2, 7 = 2016)
	ForestFunctionality        int      // forest functional level
	SupportedControls          []string // OIDs of the LDAP controls the DC supports
	VendorName                 string   // set by non-Microsoft DCs (Samba)
}

// Supports reports whether the DC advertises the control oid.
func (r RootDSE) Supports(oid string) bool { return slices.Contains(r.SupportedControls, oid) }

var rootDSEAttrs = []string{
	"defaultNamingContext", "rootDomainNamingContext", "configurationNamingContext", "schemaNamingContext",
	"namingContexts", "dnsHostName", "serverName", "dsServiceName", "highestCommittedUSN",
	"domainFunctionality", "forestFunctionality", "supportedControl", "vendorName",
}

// RootDSE reads the rootDSE; it works on an anonymous connection.
func (c *Client) RootDSE(ctx context.Context) (RootDSE, error) {
	e, err := c.readEntry(ctx, "", rootDSEAttrs)
	if err != nil {
		return RootDSE{}, err
	}
	r := RootDSE{
		DefaultNamingContext:       e.GetAttributeValue("defaultNamingContext"),
		RootDomainNamingContext:    e.GetAttributeValue("rootDomainNamingContext"),
		ConfigurationNamingContext: e.GetAttributeValue("configurationNamingContext"),
		SchemaNamingContext:        e.GetAttributeValue("schemaNamingContext"),
		NamingContexts:             e.GetAttributeValues("namingContexts"),
		DNSHostName:                e.GetAttributeValue("dnsHostName"),
		ServerName:                 e.GetAttributeValue("serverName"),
		DSServiceName:              e.GetAttributeValue("dsServiceName"),
		SupportedControls:          e.GetAttributeValues("supportedControl"),
		VendorName:                 e.GetAttributeValue("vendorName"),
	}
	r.HighestCommittedUSN, _ = strconv.ParseInt(e.GetAttributeValue("highestCommittedUSN"), 10, 64)
	r.DomainFunctionality, _ = strconv.Atoi(e.GetAttributeValue("domainFunctionality"))
	r.ForestFunctionality, _ = strconv.Atoi(e.GetAttributeValue("forestFunctionality"))
	if r.DefaultNamingContext == "" || r.ConfigurationNamingContext == "" {
		return r, fmt.Errorf("ad: the rootDSE of %s has no defaultNamingContext or configurationNamingContext: is this an Active Directory domain controller?", c.addr)
	}
	return r, nil
}

// Domain is one domain of the forest, from its crossRef in CN=Partitions.
type Domain struct {
	DN      string // the domain partition, such as DC=corp,DC=example,DC=com
	DNSName string // dnsRoot: corp.example.com
	NetBIOS string // nETBIOSName: CORP
	SID     SID    // the domain SID (from the extended DN of nCName)
}

// DomainController identifies the DC a client talks to. A delta cursor is
// only valid on the DC (and database incarnation) that issued it.
type DomainController struct {
	DNSHostName    string // dnsHostName
	ServerDN       string // serverName
	NTDSSettingsDN string // dsServiceName
	// InvocationID is the invocationId of the NTDS Settings object: it
	// names this incarnation of the DC's database and changes when the DC
	// is restored from a backup, after which USNs may repeat.
	InvocationID GUID
	// DSAGUID is the objectGUID of the NTDS Settings object: the DC's
	// lasting identity.
	DSAGUID             GUID
	HighestCommittedUSN int64 // read with the rootDSE
}

// Forest is what [Client.Forest] discovers.
type Forest struct {
	Root            Domain   // the forest root domain
	Domains         []Domain // every domain, the root first
	ConfigurationDN string
	SchemaDN        string
	NamingContexts  []string // the partitions the DC holds
	FunctionalLevel int      // forestFunctionality
	DC              DomainController
	// DefaultDomain is the DN of the domain the DC serves.
	DefaultDomain string
}

// Domain returns the domain whose DN, DNS name or NetBIOS name is name
// (case-insensitive), and whether there is one.
func (f Forest) Domain(name string) (Domain, bool) {
	for _, d := range f.Domains {
		if strings.EqualFold(d.DN, name) || strings.EqualFold(d.DNSName, name) || strings.EqualFold(d.NetBIOS, name) {
			return d, true
		}
	}
	return Domain{}, false
}

// extendedDNString asks for DNs as <GUID=...>;<SID=...>;dn in string form
// (MS-ADTS §3.1.1.3.4.1.5); the value is BER SEQUENCE { INTEGER 1 }.
var extendedDNString = ldap.NewControlString(ldap.ControlTypeMicrosoftExtendedDN, false, "\x30\x03\x02\x01\x01")

// Forest discovers the forest from the rootDSE, the crossRefs in
// CN=Partitions and the DC's NTDS Settings object. It needs a bound
// (not anonymous) connection; any domain user may read these.
func (c *Client) Forest(ctx context.Context) (Forest, error) {
	dse, err := c.RootDSE(ctx)
	if err != nil {
		return Forest{}, err
	}
	f := Forest{
		ConfigurationDN: dse.ConfigurationNamingContext,
		SchemaDN:        dse.SchemaNamingContext,
		NamingContexts:  dse.NamingContexts,
		FunctionalLevel: dse.ForestFunctionality,
		DefaultDomain:   dse.DefaultNamingContext,
		DC: DomainController{
			DNSHostName: dse.DNSHostName, ServerDN: dse.ServerName, NTDSSettingsDN: dse.DSServiceName,
			HighestCommittedUSN: dse.HighestCommittedUSN,
		},
	}
	if f.DC.InvocationID, f.DC.DSAGUID, err = c.invocationID(ctx, dse.DSServiceName); err != nil {
		return Forest{}, err
	}
	refs, err := c.search(ctx, &ldap.SearchRequest{
		BaseDN: "CN=Partitions," + dse.ConfigurationNamingContext, Scope: ldap.ScopeSingleLevel,
		// systemFlags bit 2 (FLAG_CR_NTDS_DOMAIN): the crossRef of a domain.
		Filter:     "(&(objectClass=crossRef)(systemFlags:1.2.840.113556.1.4.803:=2))",
		Attributes: []string{"nCName", "dnsRoot", "nETBIOSName"},
		Controls:   []ldap.Control{extendedDNString},
	})
	if err != nil {
		return Forest{}, err
	}
	for _, e := range refs {
		parts := parseExtendedDN(e.GetAttributeValue("nCName"))
		d := Domain{DN: parts.dn, DNSName: e.GetAttributeValue("dnsRoot"), NetBIOS: e.GetAttributeValue("nETBIOSName")}
		if parts.sid != "" {
			if d.SID, err = ParseSID(parts.sid); err != nil {
				return Forest{}, fmt.Errorf("ad: crossRef %s: %w", e.DN, err)
			}
		}
		if strings.EqualFold(d.DN, dse.RootDomainNamingContext) {
			f.Root = d
			f.Domains = append([]Domain{d}, f.Domains...)
		} else {
			f.Domains = append(f.Domains, d)
		}
	}
	if f.Root.DN == "" {
		return Forest{}, fmt.Errorf("ad: no crossRef for the forest root %s in CN=Partitions: the account %s may not read the configuration partition", dse.RootDomainNamingContext, c.user)
	}
	return f, nil
}

// invocationID reads invocationId and objectGUID of the NTDS Settings object.
func (c *Client) invocationID(ctx context.Context, ntdsDN string) (GUID, GUID, error) {
	e, err := c.readEntry(ctx, ntdsDN, []string{"invocationId", "objectGUID"})
	if err != nil {
		return GUID{}, GUID{}, err
	}
	inv, err := GUIDFromBytes(e.GetRawAttributeValue("invocationId"))
	if err != nil {
		return GUID{}, GUID{}, fmt.Errorf("ad: invocationId of %s: %w", ntdsDN, err)
	}
	dsa, err := GUIDFromBytes(e.GetRawAttributeValue("objectGUID"))
	if err != nil {
		return GUID{}, GUID{}, fmt.Errorf("ad: objectGUID of %s: %w", ntdsDN, err)
	}
	return inv, dsa, nil
}

type extendedDN struct{ guid, sid, dn string }

// parseExtendedDN splits "<GUID=g>;<SID=s>;dn" into its parts; a plain DN
// comes back as is.
func parseExtendedDN(v string) extendedDN {
	var x extendedDN
	for strings.HasPrefix(v, "<") {
		end := strings.Index(v, ">")
		if end < 0 {
			break
		}
		k, val, _ := strings.Cut(v[1:end], "=")
		switch strings.ToUpper(k) {
		case "GUID":
			x.guid = val
		case "SID":
			x.sid = val
		}
		v = strings.TrimPrefix(v[end+1:], ";")
	}
	x.dn = v
	return x
}
