//! Files sent by link, as Notify's "send a file by email": a personalisation value shaped as the
//! clients' `prepare_upload` builds it (`{"file": base64, "filename", "confirm_email_before_download",
//! "retention_period"}`) is checked with Notify's errors, kept per service (council id on the row)
//! in the same transaction as its notification, and replaced by a download link that Guildhall
//! serves (see `pages`), behind an email-address check when asked. Nothing is stored on error.

use base64::Engine;
use serde_json::{Map, Value};
use sqlx::Row;
use store::CouncilId;
use uuid::Uuid;

use crate::error::{NotifyError, Result};
use crate::notify::{Notify, timestamp, timestamp_in};
use crate::template::TemplateType;

/// The largest file Notify sends by link (2 MB, as its clients' `prepare_upload` checks).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// How long a file stays downloadable unless the sender says otherwise (Notify: 26 weeks).
const DEFAULT_RETENTION_WEEKS: i64 = 26;

const SUPPORTED: &str = ".csv, .doc, .docx, .jpeg, .jpg, .json, .odt, .pdf, .png, .rtf, .txt, .xlsx";

/// A checked file waiting to be committed with its notification.
#[derive(Debug, Clone)]
pub(crate) struct NewFile {
    pub id: String,
    pub secret: String,
    pub filename: Option<String>,
    pub mime_type: &'static str,
    pub content: String,
    pub size: i64,
    pub confirm_email: bool,
    pub expires_at: String,
}

/// A file as its download page needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadFile {
    /// The council whose service sent it (the page is shown in its branding).
    pub council_id: CouncilId,
    /// The file name given by the sender, if any.
    pub filename: Option<String>,
    /// The detected content type.
    pub mime_type: String,
    /// The bytes.
    pub content: Vec<u8>,
    /// Whether the resident must type the email address it was sent to first.
    pub confirm_email: bool,
    /// The address it was sent to.
    pub recipient: String,
    /// Until when it can be downloaded.
    pub expires_at: String,
}

impl DownloadFile {
    /// Whether `typed` is the address the file was sent to (ignoring case and spaces around it).
    pub fn sent_to(&self, typed: &str) -> bool {
        typed.trim().eq_ignore_ascii_case(self.recipient.trim())
    }

    /// The name to download it as: the sender's, else one made from the content type.
    pub fn download_name(&self) -> String {
        self.filename.clone().unwrap_or_else(|| {
            let ext = match self.mime_type.as_str() {
                "application/pdf" => "pdf",
                "image/png" => "png",
                "image/jpeg" => "jpg",
                "text/csv" => "csv",
                "application/json" => "json",
                "text/rtf" => "rtf",
                "application/msword" => "doc",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
                "application/vnd.oasis.opendocument.text" => "odt",
                _ => "txt",
            };
            format!("file.{ext}")
        })
    }
}

fn bad(message: impl Into<String>) -> NotifyError {
    NotifyError::BadRequest(message.into())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The content type of a file from its first bytes (and its name, for text), as Notify's document
/// service detects it; None for anything Notify does not send.
pub(crate) fn detect_type(bytes: &[u8], filename: Option<&str>) -> std::result::Result<&'static str, String> {
    let ext = filename.and_then(|f| f.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        return Ok("application/pdf");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok("image/jpeg");
    }
    if bytes.starts_with(b"{\\rtf") {
        return Ok("text/rtf");
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok("application/msword");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        if contains(bytes, b"application/vnd.oasis.opendocument.text") {
            return Ok("application/vnd.oasis.opendocument.text");
        }
        if contains(bytes, b"word/") {
            return Ok("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        }
        if contains(bytes, b"xl/") {
            return Ok("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        }
        return Err("application/zip".to_string());
    }
    if bytes.starts_with(b"\x7fELF") {
        return Err("application/x-executable".to_string());
    }
    if bytes.starts_with(b"MZ") {
        return Err("application/x-dosexec".to_string());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(match ext.as_str() {
            "csv" => "text/csv",
            "json" => "application/json",
            _ => "text/plain",
        }),
        _ => Err("application/octet-stream".to_string()),
    }
}

/// Weeks from Notify's `retention_period` ("1 week" … "78 weeks"), 26 when not given.
fn retention_weeks(value: Option<&Value>) -> Result<i64> {
    let refuse = |shown: String| {
        bad(format!("Unsupported value for retention_period '{shown}'. Supported periods are from 1 to 78 weeks."))
    };
    match value {
        None | Some(Value::Null) => Ok(DEFAULT_RETENTION_WEEKS),
        Some(Value::String(s)) => {
            let period = s.trim().to_lowercase();
            let number = period.strip_suffix(" weeks").or_else(|| period.strip_suffix(" week"));
            match number.and_then(|n| n.trim().parse::<i64>().ok()) {
                Some(weeks) if (1..=78).contains(&weeks) => Ok(weeks),
                _ => Err(refuse(s.clone())),
            }
        }
        Some(other) => Err(refuse(other.to_string())),
    }
}

fn one_file(upload: &Map<String, Value>) -> Result<NewFile> {
    let Some(Value::String(encoded)) = upload.get("file") else {
        return Err(bad("Document is not base64 encoded"));
    };
    let content = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad("Document is not base64 encoded"))?;
    if content.len() > MAX_FILE_BYTES {
        return Err(bad("File is larger than 2MB"));
    }
    let filename = match upload.get("filename") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => {
            if name.chars().count() > 100 {
                return Err(bad("`filename` cannot be longer than 100 characters"));
            }
            if !name.contains('.') {
                return Err(bad("`filename` must end with a file extension. For example, filename.csv"));
            }
            Some(name.clone())
        }
        Some(_) => return Err(bad("`filename` must end with a file extension. For example, filename.csv")),
    };
    let confirm_email = match upload.get("confirm_email_before_download") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            let shown = match other {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            return Err(bad(format!(
                "Unsupported value for confirm_email_before_download: '{shown}'. Use a boolean true or false value."
            )));
        }
    };
    let weeks = retention_weeks(upload.get("retention_period"))?;
    let mime_type = detect_type(&content, filename.as_deref())
        .map_err(|found| bad(format!("Unsupported file type '{found}'. Supported types are: '{SUPPORTED}'")))?;
    Ok(NewFile {
        id: Uuid::new_v4().to_string(),
        secret: Uuid::new_v4().simple().to_string(),
        filename,
        mime_type,
        size: content.len() as i64,
        content: encoded.trim().to_string(),
        confirm_email,
        expires_at: timestamp_in(weeks * 7 * 24 * 3600),
    })
}

/// Takes every `prepare_upload` value out of the personalisation, checks it, and puts its
/// download link (`{base}/d/{service}/{file}?key=…`) in its place; the files to store come back.
pub(crate) fn take_files(
    personalisation: &mut Map<String, Value>,
    notification_type: TemplateType,
    base: &str,
    service_id: &str,
) -> Result<Vec<NewFile>> {
    let mut files = Vec::new();
    for value in personalisation.values_mut() {
        let Value::Object(upload) = value else { continue };
        if !upload.contains_key("file") {
            continue;
        }
        if notification_type != TemplateType::Email {
            return Err(bad("Can only send a file by email"));
        }
        let file = one_file(upload)?;
        *value =
            Value::String(format!("{}/d/{service_id}/{}?key={}", base.trim_end_matches('/'), file.id, file.secret));
        files.push(file);
    }
    Ok(files)
}

/// Inserts a notification's files inside the transaction that commits it.
pub(crate) async fn insert_files(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    council: CouncilId,
    service_id: &str,
    notification_id: &str,
    recipient: &str,
    files: &[NewFile],
) -> Result<()> {
    for f in files {
        sqlx::query(
            "INSERT INTO notify_files (id, council_id, service_id, notification_id, secret, filename, mime_type, \
             content, size, confirm_email, recipient, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&f.id)
        .bind(council.0)
        .bind(service_id)
        .bind(notification_id)
        .bind(&f.secret)
        .bind(f.filename.clone())
        .bind(f.mime_type)
        .bind(&f.content)
        .bind(f.size)
        .bind(i64::from(f.confirm_email))
        .bind(recipient)
        .bind(&f.expires_at)
        .bind(timestamp())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Notify {
    /// A file sent by link, if the service, id and key match and it has not expired; otherwise
    /// [`NotifyError::NotFound`] (the page does not say which, so keys cannot be guessed at).
    pub async fn download_file(&self, service_id: &str, file_id: &str, key: &str) -> Result<DownloadFile> {
        let row = sqlx::query(
            "SELECT council_id, secret, filename, mime_type, content, confirm_email, recipient, expires_at \
             FROM notify_files WHERE service_id = $1 AND id = $2",
        )
        .bind(service_id)
        .bind(file_id)
        .fetch_optional(self.store().pool())
        .await?
        .ok_or(NotifyError::NotFound)?;
        let secret: String = row.try_get("secret")?;
        let expires_at: String = row.try_get("expires_at")?;
        let same_key =
            secret.len() == key.len() && secret.bytes().zip(key.bytes()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0;
        if !same_key || expires_at < timestamp() {
            return Err(NotifyError::NotFound);
        }
        let content: String = row.try_get("content")?;
        let content = base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|e| NotifyError::InvalidArgument(format!("stored file is not base64: {e}")))?;
        Ok(DownloadFile {
            council_id: CouncilId(row.try_get("council_id")?),
            filename: row.try_get("filename")?,
            mime_type: row.try_get("mime_type")?,
            content,
            confirm_email: row.try_get::<i64, _>("confirm_email")? != 0,
            recipient: row.try_get("recipient")?,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_from_content_and_executables_are_refused() {
        assert_eq!(detect_type(b"%PDF-1.4 ...", None), Ok("application/pdf"));
        assert_eq!(detect_type(b"a,b\n1,2\n", Some("data.csv")), Ok("text/csv"));
        assert_eq!(detect_type(b"hello", None), Ok("text/plain"));
        assert_eq!(detect_type(b"\x7fELF\x02\x01", Some("x.pdf")), Err("application/x-executable".to_string()));
        assert_eq!(detect_type(&[0, 159, 146, 150], None), Err("application/octet-stream".to_string()));
    }

    #[test]
    fn retention_periods_are_one_to_seventy_eight_weeks() {
        assert_eq!(retention_weeks(None).ok(), Some(26));
        assert_eq!(retention_weeks(Some(&Value::String("1 week".into()))).ok(), Some(1));
        assert_eq!(retention_weeks(Some(&Value::String("78 weeks".into()))).ok(), Some(78));
        assert!(retention_weeks(Some(&Value::String("79 weeks".into()))).is_err());
        assert!(retention_weeks(Some(&Value::String("2 days".into()))).is_err());
    }
}
