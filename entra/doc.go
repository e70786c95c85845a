// Package entra is entrasync's Microsoft Graph client: admin sign-in, tenant
// and domain checks, the sync application and its credentials, and users and
// groups. It knows nothing of Active Directory or of syncing.
package entra
