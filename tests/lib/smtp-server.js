// smtp-server.js -- nodemailer's smtp-server (npm "smtp-server", fetched by
// scripts/test-servers.sh) as the real server of tests/nodemailer.sh.
//
//   node smtp-server.js MODULES DIR CERTDIR USER PASSWORD
//
// MODULES is the node_modules directory holding smtp-server.  Three
// listeners on 127.0.0.1, each on a port the kernel picks:
//   plain    no TLS at all (STARTTLS disabled); AUTH allowed in the clear
//            (loopback)
//   submit   STARTTLS offered; AUTH only after it (smtp-server's default)
//   smtps    implicit TLS (secure: true)
// All offer PIPELINING, 8BITMIME, SMTPUTF8, DSN, ENHANCEDSTATUSCODES,
// SIZE (MAX_SIZE), AUTH PLAIN LOGIN (optional: a client may send without
// it); certificate CERTDIR/server.pem, key CERTDIR/server-key.pem.
// Once all three listen, "PLAIN SUBMIT SMTPS" (the ports) is written to
// DIR/ports.
//
// Each message accepted is DIR/msg.N.eml, the bytes after DATA as
// received (dot-unstuffed, CRLF line ends, nothing added), written
// before DIR/msg.N.json, its envelope: {"from", "rcpt": [...],
// "params" (MAIL FROM's), "user", "secure", "tls", "smtputf8", "body"}.
// While DIR/defer exists, every RCPT gets "451 4.3.0".
// A message over MAX_SIZE gets 552 after the data.  SIGTERM closes.
"use strict";

const fs = require("fs");
const path = require("path");

const [modules, dir, certdir, user, password] = process.argv.slice(2);
const { SMTPServer } = require(path.join(modules, "smtp-server"));
const MAX_SIZE = 30 * 1024 * 1024;
const key = fs.readFileSync(path.join(certdir, "server-key.pem"));
const cert = fs.readFileSync(path.join(certdir, "server.pem"));
let seq = 0;

function onAuth(auth, session, callback) {
	if (auth.username === user && auth.password === password) {
		return callback(null, { user: auth.username });
	}
	const err = new Error("5.7.8 authentication failed");
	err.responseCode = 535;
	return callback(err);
}

function onRcptTo(address, session, callback) {
	if (fs.existsSync(path.join(dir, "defer"))) {
		const err = new Error("4.3.0 test: try again later");
		err.responseCode = 451;
		return callback(err);
	}
	return callback();
}

function onData(stream, session, callback) {
	const n = ++seq;
	const eml = path.join(dir, "msg." + n + ".eml");
	const out = fs.createWriteStream(eml + ".part");
	stream.pipe(out);
	out.on("finish", () => {
		if (stream.sizeExceeded) {
			fs.unlinkSync(eml + ".part");
			const err = new Error("5.3.4 message too big");
			err.responseCode = 552;
			return callback(err);
		}
		fs.renameSync(eml + ".part", eml);
		const env = session.envelope;
		const tls = session.secure && session.tlsOptions ?
		    session.tlsOptions.version || "" : "";
		fs.writeFileSync(path.join(dir, "msg." + n + ".json"),
		    JSON.stringify({
			from: env.mailFrom ? env.mailFrom.address : null,
			rcpt: env.rcptTo.map((r) => r.address),
			params: env.mailFrom ? env.mailFrom.args || {} : {},
			user: session.user || null,
			secure: !!session.secure,
			tls: tls,
			smtputf8: !!env.smtpUtf8,
			body: env.bodyType || null,
		    }) + "\n");
		return callback(null, "queued as " + n);
	});
}

function server(extra) {
	return new SMTPServer(Object.assign({
		name: "smtp-server.test",
		key: key,
		cert: cert,
		size: MAX_SIZE,
		authMethods: ["PLAIN", "LOGIN"],
		authOptional: true,
		disableReverseLookup: true,
		logger: false,
		onAuth: onAuth,
		onRcptTo: onRcptTo,
		onData: onData,
	}, extra));
}

const servers = {
	plain: server({ disabledCommands: ["STARTTLS"], hideSTARTTLS: true,
	    allowInsecureAuth: true }),
	submit: server({}),
	smtps: server({ secure: true }),
};
const ports = {};
let pending = 3;
for (const name of Object.keys(servers)) {
	servers[name].on("error", (err) => {
		process.stderr.write(name + ": " + err.message + "\n");
	});
	servers[name].listen(0, "127.0.0.1", () => {
		ports[name] = servers[name].server.address().port;
		if (--pending === 0) {
			const tmp = path.join(dir, "ports.tmp");
			fs.writeFileSync(tmp, [ports.plain, ports.submit,
			    ports.smtps].join(" ") + "\n");
			fs.renameSync(tmp, path.join(dir, "ports"));
		}
	});
}
process.on("SIGTERM", () => {
	for (const s of Object.values(servers)) {
		s.close();
	}
	setTimeout(() => process.exit(0), 200).unref();
});
