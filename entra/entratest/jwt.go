package entratest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// A minimal JWT (RFC 7519) codec: the emulator signs its access and ID
// tokens with RS256, and verifies client assertions signed with RS256 or
// PS256 (MSAL for Go signs with PS256 and an x5t#S256 header).

var b64 = base64.RawURLEncoding

// jwtHeader is the JOSE header fields the emulator reads or writes.
type jwtHeader struct {
	Alg     string `json:"alg"`
	Typ     string `json:"typ,omitempty"`
	Kid     string `json:"kid,omitempty"`
	X5t     string `json:"x5t,omitempty"`
	X5tS256 string `json:"x5t#S256,omitempty"`
}

// signJWT encodes claims and signs them with key using RS256.
func signJWT(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	h, err := json.Marshal(jwtHeader{Alg: "RS256", Typ: "JWT", Kid: kid})
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("entratest: sign token: %w", err)
	}
	return signing + "." + b64.EncodeToString(sig), nil
}

// parsedJWT is a decoded but not yet verified JWT.
type parsedJWT struct {
	header  jwtHeader
	claims  map[string]any
	signing string // header.claims, the signed input
	sig     []byte
}

var errMalformedJWT = errors.New("JWT is not well formed")

// parseJWT decodes a compact JWS without verifying it.
func parseJWT(token string) (*parsedJWT, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errMalformedJWT
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, errMalformedJWT
	}
	cb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errMalformedJWT
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, errMalformedJWT
	}
	p := &parsedJWT{signing: parts[0] + "." + parts[1], sig: sig}
	if err := json.Unmarshal(hb, &p.header); err != nil {
		return nil, errMalformedJWT
	}
	dec := json.NewDecoder(bytes.NewReader(cb))
	dec.UseNumber()
	if err := dec.Decode(&p.claims); err != nil {
		return nil, errMalformedJWT
	}
	return p, nil
}

// verify checks the signature with pub for the algorithms the identity
// platform accepts on client assertions.
func (p *parsedJWT) verify(pub *rsa.PublicKey) error {
	sum := sha256.Sum256([]byte(p.signing))
	switch p.header.Alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], p.sig)
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], p.sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	default:
		return fmt.Errorf("unsupported signing algorithm %q", p.header.Alg)
	}
}

// str returns a string claim, or "".
func (p *parsedJWT) str(name string) string {
	s, _ := p.claims[name].(string)
	return s
}

// num returns a numeric claim (NumericDate), and whether it was present.
func (p *parsedJWT) num(name string) (int64, bool) {
	switch v := p.claims[name].(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, true
		}
		if f, err := v.Float64(); err == nil {
			return int64(f), true
		}
	}
	return 0, false
}

// strs returns a claim that is a JSON array of strings.
func (p *parsedJWT) strs(name string) []string {
	arr, _ := p.claims[name].([]any)
	out := make([]string, 0, len(arr))
	for _, v := range arr {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
