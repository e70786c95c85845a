package memdc

import (
	ber "github.com/go-asn1-ber/asn1-ber"
)

var errMalformedRequest = newErr(codeProtocolError, "00000057: LdapErr: DSID-0C090C3E, comment: malformed request, data 0, v4563")

// writeCtx builds the context of a write on this connection.
func (c *conn) writeCtx(oc *opControls) *opCtx {
	return &opCtx{who: c.who, tls: c.tls, sdFlags: oc.sdFlags, permissive: oc.permissive, treeDelete: oc.treeDelete}
}

// partialAttributes reads a SEQUENCE OF SEQUENCE { type, SET OF value }.
func partialAttributes(p *ber.Packet) ([]attrValues, bool) {
	var out []attrValues
	for _, a := range p.Children {
		if len(a.Children) != 2 {
			return nil, false
		}
		name, err := octetString(a.Children[0])
		if err != nil {
			return nil, false
		}
		av := attrValues{name: name}
		for _, v := range a.Children[1].Children {
			s, err := octetString(v)
			if err != nil {
				return nil, false
			}
			av.vals = append(av.vals, s)
		}
		out = append(out, av)
	}
	return out, true
}

func (c *conn) handleAdd(id int64, op, ctrlPacket *ber.Packet) error {
	reply := func(lerr *ldapError) error { return c.respond(id, appAddResponse, lerr, nil) }
	oc, lerr := parseControls(ctrlPacket, opAdd)
	if lerr != nil {
		return reply(lerr)
	}
	if len(op.Children) != 2 {
		return reply(errMalformedRequest)
	}
	name, err := octetString(op.Children[0])
	attrs, ok := partialAttributes(op.Children[1])
	if err != nil || !ok {
		return reply(errMalformedRequest)
	}
	if c.who == nil {
		return reply(errNeedBind)
	}
	c.s.locked(func() { _, lerr = c.s.addObject(c.writeCtx(oc), name, attrs) })
	c.s.logf("memdc: add %q: %s", name, resultText(lerr))
	return reply(lerr)
}

func (c *conn) handleModify(id int64, op, ctrlPacket *ber.Packet) error {
	reply := func(lerr *ldapError) error { return c.respond(id, appModifyResponse, lerr, nil) }
	oc, lerr := parseControls(ctrlPacket, opModify)
	if lerr != nil {
		return reply(lerr)
	}
	if len(op.Children) != 2 {
		return reply(errMalformedRequest)
	}
	name, err := octetString(op.Children[0])
	if err != nil {
		return reply(errMalformedRequest)
	}
	var changes []change
	for _, ch := range op.Children[1].Children {
		if len(ch.Children) != 2 {
			return reply(errMalformedRequest)
		}
		kind, err := integer(ch.Children[0])
		if err != nil {
			return reply(errMalformedRequest)
		}
		avs, ok := partialAttributes(&ber.Packet{Children: []*ber.Packet{ch.Children[1]}})
		if !ok {
			return reply(errMalformedRequest)
		}
		changes = append(changes, change{op: int(kind), name: avs[0].name, vals: avs[0].vals})
	}
	if c.who == nil {
		return reply(errNeedBind)
	}
	c.s.locked(func() { lerr = c.s.modifyObject(c.writeCtx(oc), name, changes) })
	c.s.logf("memdc: modify %q: %s", name, resultText(lerr))
	return reply(lerr)
}

func (c *conn) handleDelete(id int64, op, ctrlPacket *ber.Packet) error {
	reply := func(lerr *ldapError) error { return c.respond(id, appDelResponse, lerr, nil) }
	oc, lerr := parseControls(ctrlPacket, opDelete)
	if lerr != nil {
		return reply(lerr)
	}
	name := op.Data.String()
	if c.who == nil {
		return reply(errNeedBind)
	}
	c.s.locked(func() { lerr = c.s.deleteObject(c.writeCtx(oc), name) })
	c.s.logf("memdc: delete %q: %s", name, resultText(lerr))
	return reply(lerr)
}

func (c *conn) handleModDN(id int64, op, ctrlPacket *ber.Packet) error {
	reply := func(lerr *ldapError) error { return c.respond(id, appModDNResponse, lerr, nil) }
	oc, lerr := parseControls(ctrlPacket, opModDN)
	if lerr != nil {
		return reply(lerr)
	}
	if len(op.Children) < 3 {
		return reply(errMalformedRequest)
	}
	name, err1 := octetString(op.Children[0])
	newRDN, err2 := octetString(op.Children[1])
	deleteOld, err3 := boolean(op.Children[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return reply(errMalformedRequest)
	}
	superior, hasSuperior := "", false
	if len(op.Children) > 3 {
		superior, hasSuperior = op.Children[3].Data.String(), true
	}
	if c.who == nil {
		return reply(errNeedBind)
	}
	c.s.locked(func() { lerr = c.s.renameObject(c.writeCtx(oc), name, newRDN, deleteOld, superior, hasSuperior) })
	c.s.logf("memdc: modify DN %q to %q: %s", name, newRDN, resultText(lerr))
	return reply(lerr)
}

func (c *conn) handleCompare(id int64, op, ctrlPacket *ber.Packet) error {
	reply := func(lerr *ldapError) error { return c.respond(id, appCompareResponse, lerr, nil) }
	if _, lerr := parseControls(ctrlPacket, opOther); lerr != nil {
		return reply(lerr)
	}
	if len(op.Children) != 2 || len(op.Children[1].Children) != 2 {
		return reply(errMalformedRequest)
	}
	name, err1 := octetString(op.Children[0])
	attr, err2 := octetString(op.Children[1].Children[0])
	value, err3 := octetString(op.Children[1].Children[1])
	if err1 != nil || err2 != nil || err3 != nil {
		return reply(errMalformedRequest)
	}
	if c.who == nil {
		return reply(errNeedBind)
	}
	var lerr *ldapError
	c.s.rlocked(func() { lerr = c.s.compareObject(name, attr, value) })
	return reply(lerr)
}

func resultText(lerr *ldapError) string {
	if lerr == nil {
		return "success"
	}
	return lerr.Error()
}
