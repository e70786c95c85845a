package entra

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

// bodyJSON serializes a model as msgraph-sdk-go sends it.
func bodyJSON(t *testing.T, m serialization.Parsable) map[string]any {
	t.Helper()
	w := jsonserialization.NewJsonSerializationWriter()
	if err := w.WriteObjectValue("", m); err != nil {
		t.Fatal(err)
	}
	raw, err := w.GetSerializedContent()
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	delete(out, "@odata.type")
	return out
}

func TestUserBodyPatchesOnlyChangedFields(t *testing.T) {
	u := User{DisplayName: "Ada Lovelace", JobTitle: "", Department: "Maths", BusinessPhones: []string{}, AccountEnabled: false, GivenName: "not sent"}
	m, values, err := userBody(u, []UserField{DisplayName, JobTitle, Department, BusinessPhones, AccountEnabled}, false)
	if err != nil {
		t.Fatal(err)
	}
	got := bodyJSON(t, m)
	want := map[string]any{
		"displayName":    "Ada Lovelace",
		"jobTitle":       nil, // cleared
		"department":     "Maths",
		"businessPhones": []any{},
		"accountEnabled": false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PATCH body = %v, want %v", got, want)
	}
	if len(values) != 0 {
		t.Errorf("unique values %v, want none", values)
	}
}

func TestUserBodyCreate(t *testing.T) {
	u := User{UserPrincipalName: "ada@contoso.com", OnPremisesImmutableID: "AAEC", AccountEnabled: true, DisplayName: "Ada", MailNickname: "ada"}
	m, values, err := userBody(u, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	got := bodyJSON(t, m)
	want := map[string]any{"userPrincipalName": "ada@contoso.com", "onPremisesImmutableId": "AAEC", "accountEnabled": true, "displayName": "Ada", "mailNickname": "ada"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("POST body = %v, want %v (empty fields left out)", got, want)
	}
	if values["userPrincipalName"] != "ada@contoso.com" || values["onPremisesImmutableId"] != "AAEC" {
		t.Errorf("unique values = %v", values)
	}
}

func TestUserBodyRefusals(t *testing.T) {
	for name, fields := range map[string][]UserField{
		"clear required": {DisplayName},
		"unknown field":  {"passwordProfile"},
	} {
		if _, _, err := userBody(User{}, fields, false); err == nil {
			t.Errorf("%s: no error, want one", name)
		}
	}
}

func TestGroupBody(t *testing.T) {
	m, err := groupBody(Group{DisplayName: "Staff", MailNickname: "esync-1"}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"displayName": "Staff", "mailNickname": "esync-1", "mailEnabled": false, "securityEnabled": true}
	if got := bodyJSON(t, m); !reflect.DeepEqual(got, want) {
		t.Errorf("create body = %v, want %v", got, want)
	}
	m, err = groupBody(Group{}, []GroupField{GroupDescription}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := bodyJSON(t, m); !reflect.DeepEqual(got, map[string]any{"description": nil}) {
		t.Errorf("clear description body = %v", got)
	}
	if _, err := groupBody(Group{}, []GroupField{GroupDisplayName}, false); err == nil {
		t.Error("clearing displayName: no error, want one")
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := GeneratePassword()
		if len(p) != passwordLength || seen[p] {
			t.Fatalf("password %q: length %d or repeated", p, len(p))
		}
		seen[p] = true
		for _, class := range passwordClasses {
			if !strings.ContainsAny(p, class) {
				t.Errorf("password %q has no character of %q", p, class)
			}
		}
	}
}
