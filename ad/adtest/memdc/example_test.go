package memdc_test

import (
	"fmt"
	"log"

	"github.com/entrasync/entrasync/ad/adtest/memdc"
	"github.com/go-ldap/ldap/v3"
)

// The demo forest with the sample company: connect over LDAPS, verifying the
// DC's certificate against the exported CA, bind as the administrator, and
// let the company change.
func Example() {
	s, err := memdc.Start(memdc.Options{Seed: memdc.SampleCompany("corp.example.com"), RandomSeed: 7})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	l, err := ldap.DialURL(s.LDAPSURL(), ldap.DialWithTLSConfig(s.TLSConfig(s.Host())))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	if err := l.Bind(s.AdminUser(), s.AdminPassword()); err != nil {
		log.Fatal(err)
	}
	res, err := l.Search(ldap.NewSearchRequest("CN=Partitions,CN=Configuration,"+s.BaseDN(), ldap.ScopeBaseObject,
		ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"uPNSuffixes"}, nil))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("UPN suffixes:", res.Entries[0].GetAttributeValues("uPNSuffixes"))

	changes, err := s.Mutate(3)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range changes {
		fmt.Println(c)
	}
	// Output:
	// UPN suffixes: [example.com corp.local]
	// rename: Agnieszka Davis is now Agnieszka Thompson (agnieszka.thompson@corp.local)
	// hire: Kwame Walker joined Operations as Operations Analyst (kwame.walker@example.com)
	// department: Priya Allen moved from Customer Support to Operations
}
