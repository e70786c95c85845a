package entra

import (
	"crypto/rand"
	"math/big"
)

// passwordLength is long enough for any Entra password policy (8 to 256
// characters, three of four character classes:
// https://learn.microsoft.com/entra/identity/authentication/concept-password-ban-bad-combined-policy).
const passwordLength = 24

var passwordClasses = []string{
	"ABCDEFGHJKLMNPQRSTUVWXYZ",
	"abcdefghijkmnopqrstuvwxyz",
	"23456789",
	"!#%+-.:=?@_~",
}

// GeneratePassword returns a random initial password with every character
// class, for OpCreateUser. Users never learn it: they set their own with
// self-service password reset or a Temporary Access Pass.
func GeneratePassword() string {
	all := ""
	for _, c := range passwordClasses {
		all += c
	}
	b := make([]byte, passwordLength)
	for i := range b {
		set := all
		if i < len(passwordClasses) {
			set = passwordClasses[i] // one of each class first
		}
		b[i] = set[randIndex(len(set))]
	}
	// Shuffle so the classes are not always in the same places.
	for i := len(b) - 1; i > 0; i-- {
		j := randIndex(i + 1)
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func randIndex(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return int(v.Int64())
}
