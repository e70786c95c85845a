// Package entratest is an emulator of the Microsoft identity platform and of
// the Microsoft Graph v1.0 subset that entrasync uses, in the spirit of
// net/http/httptest: NewServer starts it over TLS on loopback for a test and
// stops it through t.Cleanup; Start does the same for the standalone
// entra-emulator command and the demo.
//
// It answers with the JSON shapes, status codes and error codes that
// Graph's documentation gives (each behaviour cites its learn.microsoft.com
// page), checks the permissions carried by the access tokens it issues, and
// offers what a test needs on top: seeded tenants, device-code approval,
// fault injection, a throttle model with Graph's documented limits, and a
// request log and state accessors to assert on. It does not import the
// entra package; it speaks only HTTP.
//
// # Pointing a client at it
//
//	s := entratest.NewServer(t)
//	s.URL              // https://127.0.0.1:port, no trailing slash
//	s.AuthorityHost()  // azcore cloud.Configuration.ActiveDirectoryAuthorityHost (URL + "/")
//	s.GraphURL()       // Graph base URL (URL + "/v1.0") for the request adapter
//	s.CAPool()         // trust it: tls.Config{RootCAs: s.CAPool()}; or s.CAFile(), s.Client(), s.Transport()
//	s.TenantID         // the tenant; s.InitialDomain its .onmicrosoft.com domain
//
// Use azidentity with DisableInstanceDiscovery, and give kiota's
// authentication provider the allowed host "127.0.0.1" (go-deps.md §3–4).
// Tokens may be requested for "https://graph.microsoft.com/.default" (the
// usual audience) or for s.URL + "/.default". A Graph request without a
// valid token gets 401 InvalidAuthenticationToken, which catches a client
// whose allowed-hosts list silently drops the Authorization header.
//
// # Seeded tenant and credentials
//
// DefaultTenant (unless WithTenant) holds the domains DefaultDomain
// (verified, default), DefaultVerifiedDomain, DefaultFederatedDomain,
// DefaultUnverifiedDomain and DefaultInitialDomain; the users
// DefaultGlobalAdmin (Global Administrator), DefaultHybridAdmin (Hybrid
// Identity Administrator only), DefaultHybridConsentAdmin (Hybrid Identity
// Administrator and Privileged Role Administrator) and DefaultUser (no
// role), plus cloud users a sync would soft- or hard-match; and the
// applications DefaultSyncApp (granted SyncAppPermissions) and
// DefaultUnprivilegedApp (no permission). s.App(name) returns an
// application's AppCredentials: AppID, ClientSecret, Certificate and
// PrivateKey (PEM() for azidentity.ParseCertificates), ServicePrincipalID.
//
// Device code sign-in uses GraphCommandLineToolsAppID (or any seeded
// application with isFallbackPublicClient). A test approves the pending
// code with s.ApproveDeviceCode(userCode, upn) (userCode "" approves the
// oldest), declines it with s.DenyDeviceCode, or starts the emulator
// WithAutoApprove(delay, upn). An administrator's approval grants admin
// consent tenant-wide; a user who cannot consent gets AADSTS65001.
//
// # Authorization
//
// App-only tokens carry roles (the Microsoft Graph application
// permissions granted through appRoleAssignments, after WithConsentDelay);
// delegated tokens carry scp, and the signed-in user's directory roles are
// checked as Microsoft Entra does. A missing permission gets 403
// Authorization_RequestDenied "Insufficient privileges to complete the
// operation.".
//
// # Graph subset
//
// users (list, $count, get by id or userPrincipalName, create, update,
// delete, delta, memberOf, transitiveMemberOf, manager/$ref, directReports,
// $expand=manager), me, groups (security
// groups; members: list, $ref add and remove, members@odata.bind up to 20;
// delta with members@delta), directory/deletedItems (list by type cast,
// get, restore, permanent delete), organization, domains, directoryRoles,
// applications (keyCredentials, addPassword, removePassword, appId alternate
// key), servicePrincipals (appId alternate key, appRoleAssignments,
// appRoleAssignedTo) and $batch (20 requests, dependsOn, gzip bodies).
// Query options: $select, $filter (eq, in, startswith, and, or, any();
// ne, not, endswith and eq null with the advanced query parameters), $top,
// $count, and paging by @odata.nextLink. What is not emulated answers 501
// entratest_NotEmulated rather than a plausible wrong answer.
//
// # Faults, throttling, time and state
//
// s.InjectFault(Fault{…}) answers matching requests with an error status,
// slowly, or by dropping the connection, every time, n times or at a rate.
// WithThrottle(GraphThrottle()) or s.SetThrottle turns on Graph's identity
// throttle model (3,000 writes per 150 s per app, resource units per 10 s,
// 18,000 writes per 5 min per tenant): 429 TooManyRequests with
// Retry-After and x-ms-throttle-* headers, also per $batch item.
// s.Advance moves the emulator's clock (token, device code, delta token,
// deleted item and throttle lifetimes). s.Requests() is the request log;
// s.Users(), s.Groups(), s.Object(id), s.AppRoleAssignments(),
// s.WriteCount() and friends inspect the state, and s.Do runs a Graph
// operation in process to arrange it.
package entratest
