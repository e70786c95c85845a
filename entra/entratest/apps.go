package entratest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"strings"
	"time"
)

// Applications: https://learn.microsoft.com/graph/api/resources/application,
// application-post-applications, application-update (keyCredentials),
// application-addpassword, application-removepassword, application-delete.

var applicationRoutes = []routeEntry{
	rt(http.MethodGet, (*Server).listApplications),
	rt(http.MethodPost, (*Server).createApplication),
	rt(http.MethodGet, (*Server).getApplication, "*"),
	rt(http.MethodPatch, (*Server).updateApplication, "*"),
	rt(http.MethodDelete, (*Server).deleteApplication, "*"),
	rt(http.MethodPost, (*Server).addPassword, "*", "addPassword"),
	rt(http.MethodPost, (*Server).removePassword, "*", "removePassword"),
	rt(http.MethodPost, (*Server).keyProofNotEmulated, "*", "addKey"),
	rt(http.MethodPost, (*Server).keyProofNotEmulated, "*", "removeKey"),
}

// keyProofNotEmulated answers addKey and removeKey, which need a
// proof-of-possession token the emulator does not check; PATCH
// keyCredentials does the same job.
func (s *Server) keyProofNotEmulated(c *call) reply {
	return errNotEmulated(c.arg(2) + " (use PATCH keyCredentials)").reply(c)
}

// findApp resolves /applications/{id} and /applications(appId='…').
func (s *Server) findApp(seg string) (*object, *graphError) {
	if name, v, isKey := alternateKey(seg); isKey {
		if !strings.EqualFold(name, "appId") {
			return nil, errBadRequest("Invalid alternate key '" + name + "'.")
		}
		if o := s.dir.appByAppID[strings.ToLower(v)]; o != nil && o.live() {
			return o, nil
		}
		return nil, errNotFound(v)
	}
	if !isGUID(seg) {
		return nil, errInvalidID(seg)
	}
	if o := s.dir.live(strings.ToLower(seg), kindApplication); o != nil {
		return o, nil
	}
	return nil, errNotFound(seg)
}

// https://learn.microsoft.com/graph/api/application-list
func (s *Server) listApplications(c *call) reply {
	if e := s.authorize(c, readApps); e != nil {
		return e.reply(c)
	}
	return s.listCollection(c, kindApplication, nil)
}

// https://learn.microsoft.com/graph/api/application-get
func (s *Server) getApplication(c *call) reply {
	if e := s.authorize(c, readApps); e != nil {
		return e.reply(c)
	}
	o, e := s.findApp(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	return s.getOne(c, o)
}

var signInAudiences = []string{"AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"}

// https://learn.microsoft.com/graph/api/application-post-applications:
// displayName is required; the service generates appId.
func (s *Server) createApplication(c *call) reply {
	if e := s.authorize(c, writeApps); e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	cs, ann, e := parseWrite(applicationSchema, body, true)
	if e != nil {
		return e.reply(c)
	}
	if e := unknownAnnotations(applicationSchema, ann); e != nil {
		return e.reply(c)
	}
	keys, cs, e := s.takeKeyCredentials(nil, cs, c.now)
	if e != nil {
		return e.reply(c)
	}
	if e := checkApplication(cs); e != nil {
		return e.reply(c)
	}
	props := propsOf(cs)
	props = append(props, prop{"appId", newGUID()}, prop{"publisherDomain", s.dir.initialDomain})
	for _, def := range []prop{{"signInAudience", "AzureADMyOrg"}, {"identifierUris", []any{}}, {"tags", []any{}}} {
		if _, set := changeValue(cs, def.name); !set {
			props = append(props, def)
		}
	}
	o := s.dir.insert(kindApplication, "", c.now, props)
	if keys != nil {
		o.app.keys = keys
	}
	out := ordered{{"@odata.context", s.contextURL("applications", nil, true)}}
	return created(append(out, s.render(o, nil, renderOpts{})...))
}

func checkApplication(cs []change) *graphError {
	if v, set := changeValue(cs, "signInAudience"); set && v != nil && !containsFold(signInAudiences, v.(string)) {
		return errInvalidValue(applicationSchema, "signInAudience")
	}
	return nil
}

// https://learn.microsoft.com/graph/api/application-update: keyCredentials
// replaces the whole collection; an entry naming an existing keyId
// without a key keeps that certificate.
func (s *Server) updateApplication(c *call) reply {
	if e := s.authorize(c, writeApps); e != nil {
		return e.reply(c)
	}
	o, e := s.findApp(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	cs, ann, e := parseWrite(applicationSchema, body, false)
	if e != nil {
		return e.reply(c)
	}
	if e := unknownAnnotations(applicationSchema, ann); e != nil {
		return e.reply(c)
	}
	keys, cs, e := s.takeKeyCredentials(o, cs, c.now)
	if e != nil {
		return e.reply(c)
	}
	if e := checkApplication(cs); e != nil {
		return e.reply(c)
	}
	applyChanges(o, cs)
	if keys != nil {
		o.app.keys = keys
	}
	s.dir.touch(o)
	return noContent()
}

// takeKeyCredentials removes keyCredentials from cs and parses them
// (https://learn.microsoft.com/graph/api/resources/keycredential): type
// AsymmetricX509Cert, usage Verify, key the base64 certificate. keys is
// nil when the request does not set keyCredentials.
func (s *Server) takeKeyCredentials(app *object, cs []change, now time.Time) ([]*keyCred, []change, *graphError) {
	var rest []change
	var keys []*keyCred
	set := false
	invalid := errInvalidValue(applicationSchema, "keyCredentials")
	for _, ch := range cs {
		if ch.prop.name != "keyCredentials" {
			rest = append(rest, ch)
			continue
		}
		set = true
		keys = []*keyCred{}
		arr, _ := ch.val.([]any)
		for _, item := range arr {
			m := item.(map[string]any)
			keyID, _ := m["keyId"].(string)
			raw, hasKey := m["key"].(string)
			if !hasKey {
				var kept *keyCred
				if app != nil {
					for _, k := range app.app.keys {
						if strings.EqualFold(k.keyID, keyID) {
							kept = k
						}
					}
				}
				if kept == nil {
					return nil, nil, invalid
				}
				keys = append(keys, kept)
				continue
			}
			if t, _ := m["type"].(string); t != "AsymmetricX509Cert" {
				return nil, nil, invalid
			}
			if u, _ := m["usage"].(string); u != "Verify" {
				return nil, nil, invalid
			}
			der, err := base64.StdEncoding.DecodeString(raw)
			if err != nil {
				return nil, nil, invalid
			}
			if blk, _ := pem.Decode(der); blk != nil {
				der = blk.Bytes
			}
			kc, err := newKeyCred(der)
			if err != nil {
				return nil, nil, invalid
			}
			if keyID == "" {
				keyID = newGUID()
			} else if !isGUID(keyID) {
				return nil, nil, invalid
			}
			for _, k := range keys {
				if strings.EqualFold(k.keyID, keyID) {
					return nil, nil, invalid
				}
			}
			kc.keyID = strings.ToLower(keyID)
			kc.displayName, _ = m["displayName"].(string)
			for name, dst := range map[string]*time.Time{"startDateTime": &kc.start, "endDateTime": &kc.end} {
				if v, _ := m[name].(string); v != "" {
					t, err := time.Parse(time.RFC3339, v)
					if err != nil {
						return nil, nil, invalid
					}
					*dst = t
				}
			}
			if !kc.end.After(kc.start) || kc.end.Before(now) {
				return nil, nil, invalid
			}
			keys = append(keys, kc)
		}
	}
	if !set {
		return nil, rest, nil
	}
	return keys, rest, nil
}

// https://learn.microsoft.com/graph/api/application-addpassword: the
// response carries secretText, the only time the secret is returned.
func (s *Server) addPassword(c *call) reply {
	if e := s.authorize(c, writeApps); e != nil {
		return e.reply(c)
	}
	o, e := s.findApp(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	pc, _ := body["passwordCredential"].(map[string]any)
	secret := newSecret()
	sc := &secretCred{keyID: newGUID(), hint: secret[:3], hash: sha256.Sum256([]byte(secret)), start: c.now, end: c.now.AddDate(2, 0, 0)}
	sc.displayName, _ = pc["displayName"].(string)
	for name, dst := range map[string]*time.Time{"startDateTime": &sc.start, "endDateTime": &sc.end} {
		if v, _ := pc[name].(string); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return errInvalidValue(applicationSchema, "passwordCredential").reply(c)
			}
			*dst = t
		}
	}
	o.app.secrets = append(o.app.secrets, sc)
	s.dir.touch(o)
	out := ordered{{"@odata.context", s.URL + "/v1.0/$metadata#microsoft.graph.passwordCredential"}}
	for k, v := range sc.render(secret) {
		out.add(k, v)
	}
	return ok(sortOrdered(out))
}

// https://learn.microsoft.com/graph/api/application-removepassword
func (s *Server) removePassword(c *call) reply {
	if e := s.authorize(c, writeApps); e != nil {
		return e.reply(c)
	}
	o, e := s.findApp(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	body, e := c.decodeBody()
	if e != nil {
		return e.reply(c)
	}
	keyID, _ := body["keyId"].(string)
	for i, sc := range o.app.secrets {
		if strings.EqualFold(sc.keyID, keyID) {
			o.app.secrets = append(o.app.secrets[:i], o.app.secrets[i+1:]...)
			s.dir.touch(o)
			return noContent()
		}
	}
	return errNotFound(keyID).reply(c)
}

// https://learn.microsoft.com/graph/api/application-delete: the
// application moves to deleted items, and so does its service principal
// (restoring the application does not restore it:
// directory-deleteditems-restore).
func (s *Server) deleteApplication(c *call) reply {
	if e := s.authorize(c, writeApps); e != nil {
		return e.reply(c)
	}
	o, e := s.findApp(c.arg(1))
	if e != nil {
		return e.reply(c)
	}
	if sp := s.dir.spByAppID[strings.ToLower(o.str("appId"))]; sp != nil && sp.live() {
		s.dir.softDelete(sp, c.now)
	}
	s.dir.softDelete(o, c.now)
	return noContent()
}

// sortOrdered sorts the members of o after its @odata annotations.
func sortOrdered(o ordered) ordered {
	head := 0
	for head < len(o) && strings.HasPrefix(o[head].name, "@") {
		head++
	}
	rest := o[head:]
	for i := 1; i < len(rest); i++ {
		for j := i; j > 0 && rest[j].name < rest[j-1].name; j-- {
			rest[j], rest[j-1] = rest[j-1], rest[j]
		}
	}
	return o
}
