//! Opening an input file for import: plain or gzip (told apart by the gzip magic bytes, not the
//! name), with a progress bar over the bytes read that stays hidden when stderr is not a terminal.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::AddressError;

/// Opens `path` for reading, decompressing gzip, with a progress bar labelled `message` when
/// `progress` is set and stderr is a terminal. Returns the reader and the bar (finish it when done).
pub(crate) fn open(
    path: &Path,
    progress: bool,
    message: &str,
) -> Result<(Box<dyn Read + Send>, ProgressBar), AddressError> {
    let io = |e| AddressError::Io { context: format!("opening {}", path.display()), source: e };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let bar = if progress {
        ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    let reader = postcodes::maybe_gunzip(BufReader::with_capacity(1 << 20, bar.wrap_read(file))).map_err(io)?;
    Ok((Box::new(reader), bar))
}
