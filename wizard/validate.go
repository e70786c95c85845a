package wizard

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// The validators below are pure and cheap: huh runs them inside Update on
// every Next, so anything slow (the network, big files) belongs in a
// check between pages instead. Messages are lowercase without a trailing
// period, as huh's own.

// validateHost checks a domain controller's host name or address, with an
// optional port ("dc1.corp.example.com", "10.0.0.4:636").
func validateHost(s string) error {
	_, _, err := splitHostPort(s)
	return err
}

// splitHostPort parses "host" or "host:port"; port is 0 when absent.
func splitHostPort(s string) (host string, port int, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", 0, errors.New("enter a domain controller's DNS name, e.g. dc1.corp.example.com")
	case strings.Contains(s, "://"):
		return "", 0, fmt.Errorf("enter the host name without a scheme: %s", s[strings.Index(s, "://")+3:])
	case strings.ContainsAny(s, " \t/\\"):
		return "", 0, fmt.Errorf("%q is not a host name: no spaces or slashes", s)
	}
	host = s
	if h, p, splitErr := net.SplitHostPort(s); splitErr == nil {
		n, convErr := strconv.Atoi(p)
		if convErr != nil || n < 1 || n > 65535 {
			return "", 0, fmt.Errorf("port %q is not a number from 1 to 65535", p)
		}
		host, port = h, n
	}
	if host == "" {
		return "", 0, errors.New("the host name is empty")
	}
	return host, port, nil
}

// validateAccount checks the form of an administrator account: DOMAIN\user,
// user@domain or a distinguished name.
func validateAccount(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return errors.New(`enter the Enterprise Admin account as DOMAIN\user or user@domain`)
	case strings.Contains(s, `\`):
		dom, user, _ := strings.Cut(s, `\`)
		if dom == "" || user == "" {
			return fmt.Errorf(`%q is incomplete: write DOMAIN\user`, s)
		}
	case strings.Contains(s, "@"):
		user, dom, _ := strings.Cut(s, "@")
		if user == "" || dom == "" || !strings.Contains(dom, ".") {
			return fmt.Errorf("%q is incomplete: write user@corp.example.com", s)
		}
	case strings.Contains(strings.ToUpper(s), "DC="):
	default:
		return fmt.Errorf(`%q is ambiguous in a forest: write DOMAIN\%s or %s@<domain>`, s, s, s)
	}
	return nil
}

// validateDuration returns a validator for a duration of at least min,
// written as Go writes durations ("90s", "5m", "24h").
func validateDuration(min time.Duration) func(string) error {
	return func(s string) error {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not a duration: write e.g. 30s, 5m or 24h", s)
		}
		if d < min {
			return fmt.Errorf("%s is too short: use at least %s", d, min)
		}
		return nil
	}
}

// validateCount returns a validator for a whole number from min to max.
func validateCount(min, max int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		if n < min || n > max {
			return fmt.Errorf("%d is out of range: use %d to %d", n, min, max)
		}
		return nil
	}
}
