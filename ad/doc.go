// Package ad is entrasync's LDAP client for Active Directory: it connects to
// a domain controller, discovers the forest, manages UPN suffixes, reads
// users and groups in full or as deltas, and manages the connector account.
// It knows nothing of Entra ID or of syncing.
package ad
