//! `lens import` on files that are not what they claim: one line on stderr naming the file and
//! the problem, and a non-zero exit.

use std::process::Command;

#[test]
fn a_two_gigabyte_file_and_an_empty_one_get_one_line_each() {
    let dir = std::env::temp_dir().join(format!("lens-cli-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A sparse file: 2 GB long, nothing written.
    let huge = dir.join("huge-export.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, b"").unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_lens"))
        .args(["import", huge.to_str().unwrap(), empty.to_str().unwrap()])
        .output()
        .expect("the lens binary runs");
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let huge_name = huge.display();
    let empty_name = empty.display();
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "lens: {huge_name}: the file is 2.1 GB; Lens reads files of up to 512 MB (an export \
             with fewer rows or columns fits)\n\
             lens: {empty_name}: the file is empty (0 bytes)\n"
        )
    );
}
