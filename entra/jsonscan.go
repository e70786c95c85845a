package entra

import (
	"bytes"
	"encoding/json"
	"iter"
)

// A small walker over JSON that json.Valid has accepted, used by
// answerShape to look at the members of an object and the elements of an
// array without decoding them. On valid input it cannot fail; each value
// it yields starts at its first byte and ends at its last.

// members yields the members of the object obj: each key (unescaped, as
// bytes so that comparing it allocates nothing) and its raw value.
func members(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		i := skipSpace(obj, 1) // after '{'
		for i < len(obj) && obj[i] == '"' {
			end := valueEnd(obj, i)
			key := obj[i:end]
			i = skipSpace(obj, end) + 1 // after ':'
			i = skipSpace(obj, i)
			vend := valueEnd(obj, i)
			if !yield(unquote(key), obj[i:vend]) {
				return
			}
			i = skipSpace(obj, vend)
			if i < len(obj) && obj[i] == ',' {
				i = skipSpace(obj, i+1)
			}
		}
	}
}

// elements yields the index and raw value of each element of the array arr.
func elements(arr []byte) iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		i := skipSpace(arr, 1) // after '['
		for n := 0; i < len(arr) && arr[i] != ']'; n++ {
			end := valueEnd(arr, i)
			if !yield(n, arr[i:end]) {
				return
			}
			i = skipSpace(arr, end)
			if i < len(arr) && arr[i] == ',' {
				i = skipSpace(arr, i+1)
			}
		}
	}
}

// valueEnd returns the index just after the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	for j := i; j < len(b); j++ {
		switch b[j] {
		case ',', ']', '}', ' ', '\t', '\r', '\n':
			return j
		}
	}
	return len(b)
}

// stringEnd returns the index just after the string that starts at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// unquote returns the text of a JSON string.
func unquote(s []byte) []byte {
	if bytes.IndexByte(s, '\\') < 0 {
		return s[1 : len(s)-1]
	}
	var out string
	_ = json.Unmarshal(s, &out) // valid JSON: cannot fail
	return []byte(out)
}
