//! SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it, against stored verifiers.
//! The roles file keeps `StoredKey` and `ServerKey` only, as `pg_authid` does: they prove a
//! client knows the password without the server ever holding the password or the salted
//! password (from which a client proof could be forged). pgwire's own SCRAM needs the salted
//! password, hence this module.
use aws_lc_rs::{digest, hmac, pbkdf2};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// PostgreSQL's default iteration count (`scram_iterations`).
pub const ITERATIONS: u32 = 4096;
const KEY_LEN: usize = 32;

/// What the server keeps of a password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: [u8; KEY_LEN],
    pub server_key: [u8; KEY_LEN],
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScramError {
    #[error("malformed SCRAM message: {0}")]
    Malformed(&'static str),
    #[error("channel binding is not offered by this server")]
    ChannelBinding,
    #[error("the client's nonce does not match")]
    Nonce,
    #[error("wrong password")]
    Proof,
    #[error("malformed SCRAM verifier (expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)")]
    Verifier,
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; KEY_LEN] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), msg);
    tag.as_ref().try_into().unwrap_or([0; KEY_LEN])
}

fn sha256(data: &[u8]) -> [u8; KEY_LEN] {
    digest::digest(&digest::SHA256, data).as_ref().try_into().unwrap_or([0; KEY_LEN])
}

/// Random bytes from the system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // aws-lc's generator fails only when the OS has no entropy source at all.
    aws_lc_rs::rand::fill(&mut out).expect("the system random generator is unavailable");
    out
}

impl Verifier {
    /// The verifier of `password` (SASLprep-normalised, as libpq does) with a fresh salt.
    pub fn new(password: &str) -> Verifier {
        Verifier::with_salt(password, &random_bytes::<16>(), ITERATIONS)
    }

    pub fn with_salt(password: &str, salt: &[u8], iterations: u32) -> Verifier {
        let normalized = stringprep::saslprep(password).map(|p| p.into_owned()).unwrap_or_else(|_| password.to_string());
        let mut salted = [0u8; KEY_LEN];
        let rounds = std::num::NonZeroU32::new(iterations.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
        pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, rounds, salt, normalized.as_bytes(), &mut salted);
        let client_key = hmac_sha256(&salted, b"Client Key");
        Verifier { iterations, salt: salt.to_vec(), stored_key: sha256(&client_key), server_key: hmac_sha256(&salted, b"Server Key") }
    }

    /// A verifier no password matches, derived from the user name so that an unknown user
    /// gets the same exchange (and salt, every time) as a known one: the failure comes only at
    /// the proof, and user names cannot be probed.
    pub fn mock(user: &str, server_secret: &[u8]) -> Verifier {
        let salt = hmac_sha256(server_secret, user.as_bytes())[..16].to_vec();
        Verifier { iterations: ITERATIONS, salt, stored_key: random_bytes(), server_key: random_bytes() }
    }

    /// PostgreSQL's text form: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    pub fn encode(&self) -> String {
        format!("SCRAM-SHA-256${}:{}${}:{}", self.iterations, B64.encode(&self.salt), B64.encode(self.stored_key), B64.encode(self.server_key))
    }

    pub fn parse(text: &str) -> Result<Verifier, ScramError> {
        let rest = text.strip_prefix("SCRAM-SHA-256$").ok_or(ScramError::Verifier)?;
        let (params, keys) = rest.split_once('$').ok_or(ScramError::Verifier)?;
        let (iterations, salt) = params.split_once(':').ok_or(ScramError::Verifier)?;
        let (stored, server) = keys.split_once(':').ok_or(ScramError::Verifier)?;
        let key = |s: &str| -> Result<[u8; KEY_LEN], ScramError> { B64.decode(s).ok().and_then(|v| v.try_into().ok()).ok_or(ScramError::Verifier) };
        let iterations: u32 = iterations.parse().map_err(|_| ScramError::Verifier)?;
        if iterations == 0 {
            return Err(ScramError::Verifier);
        }
        Ok(Verifier { iterations, salt: B64.decode(salt).map_err(|_| ScramError::Verifier)?, stored_key: key(stored)?, server_key: key(server)? })
    }
}

/// The server's side of one exchange, between its first and final messages.
#[derive(Debug)]
pub struct Exchange {
    verifier: Verifier,
    client_first_bare: String,
    server_first: String,
    gs2_header: String,
    nonce: String,
}

impl Exchange {
    /// Reads the client-first message and answers with the server-first one.
    pub fn start(client_first: &str, verifier: Verifier, server_nonce: &str) -> Result<(Exchange, String), ScramError> {
        // gs2-header: "n,," (no binding), "y,," (client could bind, server did not offer it),
        // "p=..." (binding required: not offered here).
        let (flag, rest) = client_first.split_once(',').ok_or(ScramError::Malformed("client-first"))?;
        if flag.starts_with("p=") {
            return Err(ScramError::ChannelBinding);
        }
        if flag != "n" && flag != "y" {
            return Err(ScramError::Malformed("gs2 header"));
        }
        let (authzid, bare) = rest.split_once(',').ok_or(ScramError::Malformed("client-first"))?;
        let gs2_header = format!("{flag},{authzid},");
        let client_nonce = bare.split(',').find_map(|a| a.strip_prefix("r=")).ok_or(ScramError::Malformed("client nonce"))?;
        if client_nonce.is_empty() || !client_nonce.chars().all(|c| c.is_ascii_graphic() && c != ',') {
            return Err(ScramError::Malformed("client nonce"));
        }
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!("r={nonce},s={},i={}", B64.encode(&verifier.salt), verifier.iterations);
        let exchange = Exchange { verifier, client_first_bare: bare.to_string(), server_first: server_first.clone(), gs2_header, nonce };
        Ok((exchange, server_first))
    }

    /// Checks the client-final message's proof; on success returns the server-final message.
    pub fn finish(&self, client_final: &str) -> Result<String, ScramError> {
        let (without_proof, proof) = client_final.rsplit_once(",p=").ok_or(ScramError::Malformed("client proof"))?;
        let mut channel = None;
        let mut nonce = None;
        for attr in without_proof.split(',') {
            if let Some(c) = attr.strip_prefix("c=") {
                channel = Some(c);
            } else if let Some(r) = attr.strip_prefix("r=") {
                nonce = Some(r);
            }
        }
        let channel = B64.decode(channel.ok_or(ScramError::Malformed("channel binding"))?).map_err(|_| ScramError::Malformed("channel binding"))?;
        if channel != self.gs2_header.as_bytes() {
            return Err(ScramError::ChannelBinding);
        }
        if nonce != Some(self.nonce.as_str()) {
            return Err(ScramError::Nonce);
        }
        let proof: [u8; KEY_LEN] = B64.decode(proof).ok().and_then(|p| p.try_into().ok()).ok_or(ScramError::Malformed("client proof"))?;
        let auth_message = format!("{},{},{}", self.client_first_bare, self.server_first, without_proof);
        let client_signature = hmac_sha256(&self.verifier.stored_key, auth_message.as_bytes());
        let mut client_key = [0u8; KEY_LEN];
        for i in 0..KEY_LEN {
            client_key[i] = proof[i] ^ client_signature[i];
        }
        let stored = sha256(&client_key);
        // Constant time: the comparison must not tell how many bytes matched.
        let diff = stored.iter().zip(self.verifier.stored_key.iter()).fold(0u8, |d, (a, b)| d | (a ^ b));
        if diff != 0 {
            return Err(ScramError::Proof);
        }
        let server_signature = hmac_sha256(&self.verifier.server_key, auth_message.as_bytes());
        Ok(format!("v={}", B64.encode(server_signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 §3: user "user", password "pencil".
    const CLIENT_FIRST: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const SALT: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";
    const CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";

    fn rfc_verifier(password: &str) -> Verifier {
        Verifier::with_salt(password, &B64.decode(SALT).unwrap(), 4096)
    }

    #[test]
    fn the_rfc_7677_exchange_succeeds_with_the_rfc_server_signature() {
        let (exchange, server_first) = Exchange::start(CLIENT_FIRST, rfc_verifier("pencil"), SERVER_NONCE).unwrap();
        assert_eq!(server_first, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        assert_eq!(exchange.finish(CLIENT_FINAL).unwrap(), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    #[test]
    fn a_wrong_password_or_a_tampered_message_is_refused() {
        let (exchange, _) = Exchange::start(CLIENT_FIRST, rfc_verifier("pencil2"), SERVER_NONCE).unwrap();
        assert_eq!(exchange.finish(CLIENT_FINAL), Err(ScramError::Proof));
        let (exchange, _) = Exchange::start(CLIENT_FIRST, rfc_verifier("pencil"), SERVER_NONCE).unwrap();
        assert_eq!(exchange.finish(&CLIENT_FINAL.replace("r=rOpr", "r=xOpr")), Err(ScramError::Nonce));
        assert_eq!(exchange.finish(&CLIENT_FINAL.replace("c=biws", "c=eSws")), Err(ScramError::ChannelBinding));
        assert!(matches!(exchange.finish("c=biws"), Err(ScramError::Malformed(_))));
        assert_eq!(Exchange::start("p=tls-server-end-point,,n=,r=abc", rfc_verifier("x"), "s").err(), Some(ScramError::ChannelBinding));
        assert!(Exchange::start("garbage", rfc_verifier("x"), "s").is_err());
    }

    #[test]
    fn verifiers_round_trip_through_their_text_form_and_never_hold_the_password() {
        let v = Verifier::new("correct horse");
        let text = v.encode();
        assert!(!text.contains("correct horse"));
        assert_eq!(Verifier::parse(&text).unwrap(), v);
        for bad in ["md5abc", "SCRAM-SHA-256$x:AA==$AA==:AA==", "SCRAM-SHA-256$4096:AA==$AA==", "SCRAM-SHA-256$0:AA==$AA==:AA=="] {
            assert_eq!(Verifier::parse(bad), Err(ScramError::Verifier), "{bad}");
        }
    }

    #[test]
    fn an_unknown_user_gets_a_stable_salt_and_no_password_matches() {
        let a = Verifier::mock("nobody", b"secret");
        assert_eq!(a.salt, Verifier::mock("nobody", b"secret").salt);
        let (exchange, _) = Exchange::start(CLIENT_FIRST, a, SERVER_NONCE).unwrap();
        assert_eq!(exchange.finish(CLIENT_FINAL), Err(ScramError::Proof));
    }
}
