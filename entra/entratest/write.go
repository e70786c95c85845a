package entratest

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Validation of POST and PATCH bodies against a schema, with Graph's
// answers for unknown, read-only and ill-typed properties.

// errInvalidValue is Graph's answer for a value a property does not accept.
func errInvalidValue(sch *schema, prop string) *graphError {
	msg := fmt.Sprintf("Invalid value specified for property '%s' of resource '%s'.", prop, sch.resource)
	return errBadRequest(msg).with(errorDetail{Code: "InvalidValue", Message: msg, Target: prop})
}

// errRequired is Graph's answer for a required property missing on create
// (microsoftgraph/msgraph-sdk-powershell#230: "Property mailNickname value
// is required but is empty or missing.").
func errRequired(prop string) *graphError {
	return errBadRequest(fmt.Sprintf("Property %s value is required but is empty or missing.", prop))
}

// errConflict is Graph's answer when a unique property's value is taken
// (user-post-users; microsoftgraph/microsoft-graph-docs#1508).
func errConflict(prop string) *graphError {
	msg := fmt.Sprintf("Another object with the same value for property %s already exists.", prop)
	return errBadRequest(msg).with(errorDetail{Code: "ObjectConflict", Message: msg, Target: prop})
}

// change is one property set by a request; a nil val clears it.
type change struct {
	prop *propDef
	val  any
}

// parseWrite validates body against sch and returns the property changes.
// Annotations (keys with '@') are returned separately for the caller.
func parseWrite(sch *schema, body map[string]any, create bool) ([]change, map[string]any, *graphError) {
	var out []change
	annotations := map[string]any{}
	for k, v := range body {
		if strings.Contains(k, "@") {
			if k == "@odata.type" {
				if t, _ := v.(string); t != "" && !strings.EqualFold(strings.TrimPrefix(t, "#"), sch.typeName) {
					return nil, nil, errBadRequestCode("BadRequest", fmt.Sprintf("A type named '%s' could not be resolved by the model.", t))
				}
				continue
			}
			annotations[k] = v
			continue
		}
		p := sch.prop(k)
		if p == nil {
			return nil, nil, errBadRequestCode("BadRequest", fmt.Sprintf("The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", k, sch.typeName))
		}
		if p.has(fReadOnly) {
			return nil, nil, errBadRequest(fmt.Sprintf("Property '%s' is read-only and cannot be set.", p.name))
		}
		if v == nil {
			if p.has(fNotNull) || (create && p.has(fRequired)) {
				return nil, nil, errInvalidValue(sch, p.name)
			}
			out = append(out, change{p, nil})
			continue
		}
		norm, ok := checkType(p, v)
		if !ok {
			return nil, nil, errInvalidValue(sch, p.name)
		}
		if s, isStr := norm.(string); isStr && p.maxLen > 0 && utf8.RuneCountInString(s) > p.maxLen {
			return nil, nil, errInvalidValue(sch, p.name)
		}
		if s, isStr := norm.(string); isStr && p.has(fNotNull) && strings.TrimSpace(s) == "" {
			return nil, nil, errInvalidValue(sch, p.name)
		}
		out = append(out, change{p, norm})
	}
	if create {
		for _, p := range sch.props {
			if !p.has(fRequired) {
				continue
			}
			if _, ok := body[p.name]; !ok && !hasChange(out, p.name) {
				return nil, nil, errRequired(p.name)
			}
		}
	}
	return out, annotations, nil
}

func hasChange(cs []change, name string) bool {
	for _, c := range cs {
		if c.prop.name == name {
			return true
		}
	}
	return false
}

// changeValue returns the new value of name in cs, and whether it is set.
func changeValue(cs []change, name string) (any, bool) {
	for _, c := range cs {
		if c.prop.name == name {
			return c.val, true
		}
	}
	return nil, false
}

// checkType checks a JSON value against the property's type and returns
// it normalized ([]any of strings, RFC 3339 times).
func checkType(p *propDef, v any) (any, bool) {
	switch p.typ {
	case tString:
		s, ok := v.(string)
		return s, ok
	case tBool:
		b, ok := v.(bool)
		return b, ok
	case tStrings:
		arr, ok := v.([]any)
		if !ok {
			return nil, false
		}
		for _, a := range arr {
			if _, ok := a.(string); !ok {
				return nil, false
			}
		}
		return arr, true
	case tComplex:
		m, ok := v.(map[string]any)
		return m, ok
	case tComplexes:
		arr, ok := v.([]any)
		if !ok {
			return nil, false
		}
		for _, a := range arr {
			if _, ok := a.(map[string]any); !ok {
				return nil, false
			}
		}
		return arr, true
	case tDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, false
		}
		return graphTime(t), true
	}
	return nil, false
}

// applyChanges stores the changes on o.
func applyChanges(o *object, cs []change) {
	for _, c := range cs {
		o.set(c.prop.name, c.val)
	}
}

// propsOf turns create changes into the initial property list.
func propsOf(cs []change) []prop {
	out := make([]prop, 0, len(cs))
	for _, c := range cs {
		if c.val != nil {
			out = append(out, prop{c.prop.name, c.val})
		}
	}
	return out
}

// passwordComplexity checks a password against Microsoft Entra's policy
// (https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy#password-policies-that-only-apply-to-cloud-user-accounts):
// 8 to 256 characters, three of lowercase, uppercase, digits and symbols.
func passwordComplexity(pw string) bool {
	n := utf8.RuneCountInString(pw)
	if n < 8 || n > 256 {
		return false
	}
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		default:
			symbol = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			classes++
		}
	}
	return classes >= 3
}

func errPasswordComplexity() *graphError {
	return errBadRequest("The specified password does not comply with password complexity requirements. Please provide a different password.")
}

// checkPasswordProfile validates a passwordProfile value.
func checkPasswordProfile(sch *schema, v any, create bool) *graphError {
	m, _ := v.(map[string]any)
	pw, hasPW := m["password"].(string)
	if !hasPW {
		if create {
			return errRequired("passwordProfile.password")
		}
		return nil
	}
	for k := range m {
		switch k {
		case "password", "forceChangePasswordNextSignIn", "forceChangePasswordNextSignInWithMfa":
		default:
			return errBadRequestCode("BadRequest", fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.passwordProfile'. Make sure to only use property names that are defined by the type or mark the type as open type.", k))
		}
	}
	if !passwordComplexity(pw) {
		return errPasswordComplexity()
	}
	return nil
}

// upnLocalAllowed holds the characters a userPrincipalName's local part may
// use besides letters and digits (user-post-users: "A - Z, a - z, 0 - 9,
// ' . - _ ! # ^ ~").
const upnLocalAllowed = "'.-_!#^~"

// checkUPN validates a userPrincipalName: its characters, then that its
// domain is a verified domain of the tenant.
func (d *directory) checkUPN(upn string) (*domain, *graphError) {
	local, dom, found := strings.Cut(upn, "@")
	if !found || local == "" || dom == "" || strings.Contains(dom, "@") || len(local) > 64 ||
		strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return nil, errInvalidValue(userSchema, "userPrincipalName")
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(upnLocalAllowed, r)) {
			return nil, errInvalidValue(userSchema, "userPrincipalName")
		}
	}
	dm := d.domainNamed(dom)
	if dm == nil || !dm.verified {
		msg := "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization."
		return nil, errBadRequest(msg).with(errorDetail{Code: "InvalidValue", Message: msg, Target: "userPrincipalName"})
	}
	return dm, nil
}

// mailNicknameForbidden are the characters a mailNickname may not hold.
const mailNicknameForbidden = "@()\\[]\";:<>, "

func validMailNickname(s string) bool {
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	for _, r := range s {
		if r > 127 || r < 33 || strings.ContainsRune(mailNicknameForbidden, r) {
			return false
		}
	}
	return true
}

// directoryObjectID parses a reference such as
// "https://graph.microsoft.com/v1.0/directoryObjects/{id}" (the form of
// group-post-members) into the id.
func directoryObjectID(ref any) (string, *graphError) {
	s, ok := ref.(string)
	if !ok || s == "" {
		return "", errBadRequestCode("BadRequest", "Invalid object reference: a URL such as https://graph.microsoft.com/v1.0/directoryObjects/{id} is required.")
	}
	s = strings.TrimRight(s, "/")
	id := s[strings.LastIndexByte(s, '/')+1:]
	if open := strings.IndexByte(id, '('); open >= 0 && strings.HasSuffix(id, ")") {
		id = strings.Trim(id[open+1:len(id)-1], "'")
	}
	if !isGUID(id) {
		return "", errBadRequest(fmt.Sprintf("Invalid object identifier '%s'.", id))
	}
	return strings.ToLower(id), nil
}
