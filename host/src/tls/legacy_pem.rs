//! Private keys in OpenSSL's traditional encrypted PEM, as `openssl genrsa -aes128`,
//! `openssl rsa -des3 -traditional` and many older tools write them:
//!
//! ```text
//! -----BEGIN RSA PRIVATE KEY-----
//! Proc-Type: 4,ENCRYPTED
//! DEK-Info: AES-128-CBC,2305697DB77A8F9C52D460ED9BFA72EA
//!
//! <base64 of the CBC-encrypted PKCS#1, SEC1 or PKCS#8 key>
//! -----END RSA PRIVATE KEY-----
//! ```
//!
//! The key is OpenSSL's EVP_BytesToKey with MD5, one round, the password, and the first eight bytes
//! of the IV as salt; the padding is PKCS#7. That derivation is weak, which is why OpenSSL 3 writes
//! PKCS#8 instead; it is read here because keys made that way are still in use.

use base64ct::{Base64, Encoding};
use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use md5::{Digest, Md5};
use rustls::pki_types::PrivateKeyDer;

/// Why a traditional encrypted key could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum LegacyPemError {
    /// Not the format above, or an unknown DEK-Info cipher.
    Malformed,
    /// The key is encrypted and no password was given.
    NoPassword,
    /// The password does not decrypt it.
    BadDecrypt,
}

/// Whether `text` holds a traditional encrypted key.
pub fn is_legacy_encrypted(text: &str) -> bool {
    text.contains("Proc-Type: 4,ENCRYPTED")
}

/// Decrypts the first traditional encrypted key in `text` with `password`.
pub fn decrypt(text: &str, password: Option<&[u8]>) -> Result<PrivateKeyDer<'static>, LegacyPemError> {
    use LegacyPemError::*;
    let mut lines = text.lines().map(str::trim).skip_while(|l| !(l.starts_with("-----BEGIN ") && l.ends_with("-----")));
    let label = lines.next().ok_or(Malformed)?.trim_start_matches("-----BEGIN ").trim_end_matches("-----").to_string();
    let mut dek = None;
    let mut body = String::new();
    for line in lines {
        if line.starts_with("-----END ") {
            break;
        } else if let Some(info) = line.strip_prefix("DEK-Info:") {
            dek = Some(info.trim().to_string());
        } else if !line.contains(':') {
            body.push_str(line);
        }
    }
    let dek = dek.ok_or(Malformed)?;
    let (cipher, iv_hex) = dek.split_once(',').ok_or(Malformed)?;
    let iv = hex(iv_hex).ok_or(Malformed)?;
    let ciphertext = Base64::decode_vec(&body).map_err(|_| Malformed)?;
    let password = password.ok_or(NoPassword)?;
    let key_len = match cipher {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        "DES-EDE3-CBC" => 24,
        "DES-CBC" => 8,
        _ => return Err(Malformed),
    };
    if iv.len() < 8 {
        return Err(Malformed);
    }
    let key = bytes_to_key(password, &iv[..8], key_len);
    let plain = match cipher {
        "AES-128-CBC" => cbc_decrypt::<aes::Aes128>(&key, &iv, &ciphertext),
        "AES-192-CBC" => cbc_decrypt::<aes::Aes192>(&key, &iv, &ciphertext),
        "AES-256-CBC" => cbc_decrypt::<aes::Aes256>(&key, &iv, &ciphertext),
        "DES-EDE3-CBC" => cbc_decrypt::<des::TdesEde3>(&key, &iv, &ciphertext),
        _ => cbc_decrypt::<des::Des>(&key, &iv, &ciphertext),
    }
    .ok_or(BadDecrypt)?;
    // A wrong password passes the padding check one time in 256; the key parser catches those.
    if plain.first() != Some(&0x30) {
        return Err(BadDecrypt);
    }
    Ok(match label.as_str() {
        "RSA PRIVATE KEY" => PrivateKeyDer::Pkcs1(plain.into()),
        "EC PRIVATE KEY" => PrivateKeyDer::Sec1(plain.into()),
        _ => PrivateKeyDer::Pkcs8(plain.into()),
    })
}

/// OpenSSL's EVP_BytesToKey(MD5, count = 1): D_i = MD5(D_(i-1) || password || salt).
fn bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut key = Vec::with_capacity(len + 16);
    let mut last: Vec<u8> = Vec::new();
    while key.len() < len {
        let mut md5 = Md5::new();
        md5.update(&last);
        md5.update(password);
        md5.update(salt);
        last = md5.finalize().to_vec();
        key.extend_from_slice(&last);
    }
    key.truncate(len);
    key
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>>
where
    C: cbc::cipher::BlockCipher + cbc::cipher::BlockDecryptMut + cbc::cipher::KeyInit,
{
    let decryptor = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    decryptor.decrypt_padded_vec_mut::<Pkcs7>(ciphertext).ok()
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_matches_openssl() {
        // EVP_BytesToKey(MD5, "secret", salt 0102030405060708) as `openssl enc -P` prints it.
        let key = bytes_to_key(b"secret", &[1, 2, 3, 4, 5, 6, 7, 8], 32);
        let hex_key: String = key.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex_key, OPENSSL_ENC_KEY);
    }

    /// From `openssl enc -aes-256-cbc -P -md md5 -pass pass:secret -S 0102030405060708`.
    const OPENSSL_ENC_KEY: &str = "C9E5A1BD216DBE1317E230CEF48F38EE7F0E17AD64022144BCCEC4A1AA2879AB";

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(decrypt("nothing here", Some(b"x")).unwrap_err(), LegacyPemError::Malformed);
        let no_dek = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(decrypt(no_dek, Some(b"x")).unwrap_err(), LegacyPemError::Malformed);
        let odd = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,ABC\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(decrypt(odd, Some(b"x")).unwrap_err(), LegacyPemError::Malformed);
        let rc4 = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: RC4,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(decrypt(rc4, Some(b"x")).unwrap_err(), LegacyPemError::Malformed);
        let short = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(decrypt(short, None).unwrap_err(), LegacyPemError::NoPassword);
        assert_eq!(decrypt(short, Some(b"x")).unwrap_err(), LegacyPemError::BadDecrypt);
    }
}
