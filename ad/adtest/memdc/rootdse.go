package memdc

import (
	"strconv"
	"strings"
)

// supportedCapabilities are AD's capability OIDs of a Windows Server 2016+
// DC (MS-ADTS §3.1.1.3.4.3).
var supportedCapabilities = []string{
	"1.2.840.113556.1.4.800",  // LDAP_CAP_ACTIVE_DIRECTORY_OID
	"1.2.840.113556.1.4.1670", // LDAP_CAP_ACTIVE_DIRECTORY_V51_OID
	"1.2.840.113556.1.4.1791", // LDAP_CAP_ACTIVE_DIRECTORY_LDAP_INTEG_OID
	"1.2.840.113556.1.4.1935", // LDAP_CAP_ACTIVE_DIRECTORY_V60_OID
	"1.2.840.113556.1.4.2080", // LDAP_CAP_ACTIVE_DIRECTORY_V61_R2_OID
	"1.2.840.113556.1.4.2237", // LDAP_CAP_ACTIVE_DIRECTORY_W8_OID
}

// rootDSE returns the rootDSE's attributes (MS-ADTS §3.1.1.3.2) in the order
// AD lists them. tokenGroups, an operational attribute, comes only when asked
// for by name.
func (c *conn) rootDSE(sel *selection) []partialAttr {
	s := c.s
	d := s.dir
	configDN := d.config.dn.String()
	ntds := s.ntdsSettings()
	vals := []partialAttr{
		{"configurationNamingContext", []string{configDN}},
		{"currentTime", []string{generalizedTime(d.now())}},
		{"defaultNamingContext", []string{s.baseDN}},
		{"dnsHostName", []string{s.FQDN()}},
		{"domainControllerFunctionality", []string{"7"}},
		{"domainFunctionality", []string{d.domain.first("msDS-Behavior-Version")}},
		{"dsServiceName", []string{ntds.dn.String()}},
		{"forestFunctionality", []string{"7"}},
		{"highestCommittedUSN", []string{strconv.FormatInt(d.usn, 10)}},
		{"isGlobalCatalogReady", []string{"TRUE"}},
		{"isSynchronized", []string{"TRUE"}},
		{"ldapServiceName", []string{s.realm + ":" + s.host + "$@" + strings.ToUpper(s.realm)}},
		{"namingContexts", []string{s.baseDN, configDN, d.schemaNC.dn.String()}},
		{"rootDomainNamingContext", []string{s.baseDN}},
		{"schemaNamingContext", []string{d.schemaNC.dn.String()}},
		{"serverName", []string{ntds.parent.dn.String()}},
		{"subschemaSubentry", []string{"CN=Aggregate," + d.schemaNC.dn.String()}},
		{"supportedCapabilities", supportedCapabilities},
		{"supportedControl", supportedControls},
		{"supportedExtension", []string{oidStartTLS, oidWhoAmI}},
		{"supportedLDAPPolicies", []string{"MaxPoolThreads", "MaxPercentDirSyncRequests", "MaxDatagramRecv",
			"MaxReceiveBuffer", "InitRecvTimeout", "MaxConnections", "MaxConnIdleTime", "MaxPageSize",
			"MaxBatchReturnMessages", "MaxQueryDuration", "MaxDirSyncDuration", "MaxTempTableSize",
			"MaxResultSetSize", "MinResultSets", "MaxResultSetsPerConn", "MaxNotificationPerConn", "MaxValRange",
			"MaxValRangeTransitive", "ThreadMemoryLimit", "SystemMemoryLimitPercent"}},
		{"supportedLDAPVersion", []string{"3", "2"}},
		{"supportedSASLMechanisms", nil},
	}
	var out []partialAttr
	for _, a := range vals {
		if len(a.vals) > 0 && sel.wantsRootAttr(a.name) {
			out = append(out, a)
		}
	}
	if sel.named("tokenGroups") && c.who != nil && c.who.e != nil {
		var sids []string
		for _, g := range d.tokenGroups(c.who.e) {
			sids = append(sids, string(g))
		}
		out = append(out, partialAttr{"tokenGroups", sids})
	}
	return out
}

// rootDSEValues are the rootDSE's values of one attribute, for filters.
func rootDSEValues(attrs []partialAttr, name string) ([]string, bool) {
	if strings.EqualFold(name, "objectClass") {
		return []string{"top"}, true
	}
	for _, a := range attrs {
		if strings.EqualFold(a.name, name) {
			return a.vals, true
		}
	}
	return nil, false
}
