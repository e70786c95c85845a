package sync

import "time"

// Config is entrasync's whole configuration: one human-readable YAML file
// (config.yaml). Secrets are never in it: they live in files in the state
// directory (mode 0600) that the fields below name.
//
// A complete example:
//
//	ad:
//	  host: dc1.corp.example.com     # a domain controller of the forest root domain
//	  port: 636                      # default: 636 for ldaps, 389 for starttls
//	  transport: ldaps               # ldaps | starttls
//	  caFile: /etc/entrasync/ad-ca.pem
//	  insecureSkipVerify: false      # never in production: TLS without verification
//	  timeout: 30s
//	  bindUser: CORP\MSOL_0f3a9c1e2b7d   # the connector account: DOMAIN\user, UPN or DN
//	  passwordFile: ad-connector.secret  # relative to the state directory
//	  scope:
//	    include: []                  # OUs to sync; empty = every domain of the forest
//	    exclude: ["OU=Service Accounts,DC=corp,DC=example,DC=com"]
//	  objectTypes: [users, groups]
//	entra:
//	  tenantId: 8a3c5e2f-5b0c-4d7e-9a41-2f6b1c0d9e77
//	  initialDomain: contoso.onmicrosoft.com
//	  clientId: 0b7f1e2d-4c3a-4f5e-8d9c-1a2b3c4d5e6f    # the sync application's appId
//	  certificateFile: entra-app.pem  # certificate and private key, relative to the state directory
//	  authorityHost: https://login.microsoftonline.com/
//	  graphEndpoint: https://graph.microsoft.com
//	sync:
//	  sourceAnchor: ms-DS-ConsistencyGuid  # ms-DS-ConsistencyGuid (when present, else objectGUID) | objectGUID
//	  interval: 5m                   # minimum 30s
//	  fullInterval: 24h              # a full run (with drift detection) at least this often
//	  schedulerEnabled: true         # false: configured, but only manual runs
//	  stagingMode: false             # true: import and plan, never write to Entra
//	  deletionThreshold: 500         # refuse a run that deletes more objects than this
//	  deletionThresholdPercent: 10   # ... or more than this percentage of managed objects
//	  memberRemovalThreshold: 500    # refuse a run that removes more group members than this
//	  optionalAttributes: [employeeId, manager]
//	  softMatch: []                  # adopt existing cloud users by: userPrincipalName, mail; empty = never
//	metrics:
//	  listen: ""                     # e.g. 127.0.0.1:9464; empty = off
type Config struct {
	AD      ADConfig      `yaml:"ad"`
	Entra   EntraConfig   `yaml:"entra"`
	Sync    SyncConfig    `yaml:"sync"`
	Metrics MetricsConfig `yaml:"metrics"`
}

// ADConfig says how to reach and read the on-premises forest.
type ADConfig struct {
	// Host is a domain controller's DNS name or IP address.
	Host string `yaml:"host"`
	// Port defaults to 636 for ldaps and 389 for starttls.
	Port int `yaml:"port,omitempty"`
	// Transport is "ldaps" (the default) or "starttls". Plain LDAP is not offered.
	Transport string `yaml:"transport,omitempty"`
	// CAFile is a PEM bundle of the CAs that may sign the DC's certificate;
	// empty means the system roots.
	CAFile string `yaml:"caFile,omitempty"`
	// InsecureSkipVerify turns certificate verification off. entrasync warns
	// on every start while it is set.
	InsecureSkipVerify bool `yaml:"insecureSkipVerify,omitempty"`
	// Timeout bounds dialing and each LDAP operation; default 30s.
	Timeout Duration `yaml:"timeout,omitempty"`
	// BindUser is the connector account as DOMAIN\user, a UPN or a DN.
	BindUser string `yaml:"bindUser"`
	// PasswordFile holds the connector account's password (mode 0600),
	// relative to the state directory unless absolute.
	PasswordFile string `yaml:"passwordFile"`
	// Scope selects the OUs to sync.
	Scope ScopeConfig `yaml:"scope,omitempty"`
	// ObjectTypes lists what to sync: "users", "groups". Default both.
	ObjectTypes []string `yaml:"objectTypes,omitempty"`
}

// ScopeConfig selects containers by distinguished name. An object is in scope
// when it is under an included DN (or Include is empty) and under no excluded DN.
type ScopeConfig struct {
	Include []string `yaml:"include,omitempty"`
	Exclude []string `yaml:"exclude,omitempty"`
}

// EntraConfig says which tenant to write to and how the engine signs in.
type EntraConfig struct {
	// TenantID is the directory (tenant) ID.
	TenantID string `yaml:"tenantId"`
	// InitialDomain is the tenant's .onmicrosoft.com domain, the fallback
	// for UPNs on unverified suffixes.
	InitialDomain string `yaml:"initialDomain"`
	// ClientID is the application (client) ID of the sync application that
	// setup created.
	ClientID string `yaml:"clientId"`
	// CertificateFile holds the application's certificate and private key
	// (PEM, mode 0600), relative to the state directory unless absolute.
	CertificateFile string `yaml:"certificateFile,omitempty"`
	// ClientSecretFile is the fallback credential when no certificate is
	// used (mode 0600).
	ClientSecretFile string `yaml:"clientSecretFile,omitempty"`
	// AuthorityHost defaults to https://login.microsoftonline.com/.
	AuthorityHost string `yaml:"authorityHost,omitempty"`
	// GraphEndpoint defaults to https://graph.microsoft.com.
	GraphEndpoint string `yaml:"graphEndpoint,omitempty"`
	// CAFile, when set, is trusted for both endpoints (the emulator; a TLS
	// inspecting proxy).
	CAFile string `yaml:"caFile,omitempty"`
}

// SyncConfig tunes the engine.
type SyncConfig struct {
	// SourceAnchor chooses the attribute whose base64 value becomes
	// onPremisesImmutableId: "ms-DS-ConsistencyGuid" (the default: that
	// attribute when an object has it, else objectGUID, as Entra Connect's
	// express settings do) or "objectGUID" (always objectGUID).
	SourceAnchor string `yaml:"sourceAnchor,omitempty"`
	// Interval between delta runs; default 5m, minimum 30s.
	Interval Duration `yaml:"interval,omitempty"`
	// FullInterval is the longest time between full runs; default 24h.
	FullInterval Duration `yaml:"fullInterval,omitempty"`
	// SchedulerEnabled is false when setup ran with "start the
	// synchronization process" cleared: only manual runs happen.
	SchedulerEnabled bool `yaml:"schedulerEnabled"`
	// StagingMode imports and plans but never writes to Entra.
	StagingMode bool `yaml:"stagingMode,omitempty"`
	// DeletionThreshold refuses a run with more deletes than this; default 500.
	DeletionThreshold int `yaml:"deletionThreshold"`
	// DeletionThresholdPercent refuses a run that deletes more than this
	// percentage of the managed objects; default 10, 0 turns it off.
	DeletionThresholdPercent int `yaml:"deletionThresholdPercent"`
	// MemberRemovalThreshold refuses a run that removes more group
	// memberships than this; default 500.
	MemberRemovalThreshold int `yaml:"memberRemovalThreshold"`
	// OptionalAttributes lists optional attributes to sync beyond the
	// always-synced ones (accountEnabled, displayName, mailNickname,
	// userPrincipalName). Absent from the file means all of them (express
	// settings); an empty list means none. [DefaultConfig] and [LoadConfig]
	// always leave an explicit list; [AllOptionalAttributes] lists the names.
	OptionalAttributes []string `yaml:"optionalAttributes"`
	// SoftMatch lists the attributes by which a cloud user that entrasync did
	// not create may be adopted instead of creating a new one:
	// "userPrincipalName", "mail". Empty (the default) never adopts: such
	// users are left alone and the conflict is reported.
	SoftMatch []string `yaml:"softMatch,omitempty"`
}

// MetricsConfig controls the optional Prometheus endpoint of `entrasync run`.
type MetricsConfig struct {
	// Listen is a host:port; empty turns metrics off.
	Listen string `yaml:"listen,omitempty"`
}

// Duration is a time.Duration written in YAML as "5m", "30s", "24h".
type Duration time.Duration
