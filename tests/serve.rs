//! `proofbook serve` as an author uses it: the real binary on a fixture
//! book, an edit, the reload event, a broken template and its fix.

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use support::BookTest;
use support::http::{Events, request};

/// A running `proofbook serve` whose stderr lines arrive on a channel.
struct Serve {
    child: Child,
    lines: Receiver<String>,
    addr: SocketAddr,
}

impl Serve {
    fn start(book: &BookTest) -> Serve {
        let mut child = book.spawn_serve();
        let stderr = child.stderr.take().expect("stderr");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut serve = Serve {
            child,
            lines,
            addr: "127.0.0.1:1".parse().expect("addr"),
        };
        let line = serve.wait_for_line("serving the preview at http://");
        let url = line.split("http://").nth(1).expect("url");
        let host = url.split('/').next().expect("host and port");
        serve.addr = host.parse().expect("a socket address");
        serve.wait_for_line("built in ");
        serve
    }

    fn wait_for_line(&self, needle: &str) -> String {
        let mut seen = Vec::new();
        loop {
            match self.lines.recv_timeout(Duration::from_secs(30)) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => panic!(
                    "no line with {needle:?}; stderr so far:\n{}",
                    seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_edit_reloads_its_page_with_the_new_text() {
    let t = BookTest::from_fixture("basic");
    let serve = Serve::start(&t);
    let page = request(serve.addr, "GET", "/start.html");
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("/__proofbook/events"),
        "the reload script is in the page"
    );
    assert!(
        !t.root().join("book").exists(),
        "serve never writes the book's own output folder"
    );

    let mut events = Events::open(serve.addr);
    let text = t.read("content/start.md");
    t.write(
        "content/start.md",
        &format!("{text}\nA sentence written while serving.\n"),
    );
    // The edited page first, made before the rebuild; then print.html,
    // which holds every chapter, once the rebuild is done (the page came
    // out the same, so its tabs are not reloaded twice).
    events.wait_for("event: reload\ndata: {\"pages\":[\"start.html\"]}");
    let page = request(serve.addr, "GET", "/start.html");
    assert!(page.text().contains("A sentence written while serving."));
    events.wait_for("event: reload\ndata: {\"pages\":[\"print.html\"]}");
    serve.wait_for_line("reloading start.html");
    let built = std::fs::read_to_string(t.root().join(".proofbook-cache/serve/start.html"))
        .expect("the rebuilt page");
    assert_eq!(
        built,
        page.text(),
        "the page shown early is the page the rebuild makes"
    );
}

#[test]
fn a_broken_template_shows_an_error_until_it_is_fixed() {
    let t = BookTest::from_fixture("basic");
    let serve = Serve::start(&t);
    let mut events = Events::open(serve.addr);
    t.write(
        "theme/templates/page.html",
        "<html>\n<body>\n{% if page.title %}\n</body>\n",
    );
    events.wait_for("event: error\ndata: ");
    events.wait_for("theme/templates/page.html");
    serve.wait_for_line("build failed");
    // The previous site is still served meanwhile.
    assert_eq!(request(serve.addr, "GET", "/start.html").status, 200);

    std::fs::remove_file(t.root().join("theme/templates/page.html")).expect("remove");
    events.wait_for("event: reload\ndata: {\"pages\":[]}");
    assert!(
        request(serve.addr, "GET", "/start.html")
            .text()
            .contains("Getting started")
    );
}

#[test]
fn a_broken_link_points_at_its_line_and_traversal_is_refused() {
    let t = BookTest::from_fixture("basic");
    let serve = Serve::start(&t);
    let mut events = Events::open(serve.addr);
    let text = t.read("content/reference.md");
    t.write(
        "content/reference.md",
        &format!("{text}\nSee [gone](missing.md).\n"),
    );
    events.wait_for("event: error\ndata: ");
    events.wait_for("reference.md:");
    events.wait_for("missing.md");
    for target in ["/../book.toml", "/%2e%2e/book.toml", "/..%2fbook.toml"] {
        let reply = request(serve.addr, "GET", target);
        assert!(
            matches!(reply.status, 400 | 404),
            "{target}: {}",
            reply.status
        );
        assert!(
            !reply.text().contains("Fixture Book\"\nauthors"),
            "{target}"
        );
    }
}

#[test]
fn a_port_in_use_is_an_error_that_suggests_another() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let t = BookTest::from_fixture("basic");
    let out = Command::new(env!("CARGO_BIN_EXE_proofbook"))
        .args(["serve", "--port", &port.to_string()])
        .arg(t.root())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--port"), "{err}");
}

#[test]
fn an_edited_example_shows_its_earlier_result_as_re_running_then_the_new_one() {
    let t = BookTest::one_chapter(
        "# Runs\n\nSome prose.\n\n```python id=slow\nprint('first version')\n```\n",
    );
    let serve = Serve::start(&t);
    let page = request(serve.addr, "GET", "/chapter.html").text();
    assert!(page.contains("first version"), "{page}");
    let mut events = Events::open(serve.addr);
    t.write(
        "content/chapter.md",
        "# Runs\n\nNew prose, {{#measure slow}} long.\n\n```python id=slow\nimport time\ntime.sleep(1.5)\nprint('second version')\n```\n",
    );
    // First the new prose, with the earlier output marked as re-running.
    events.wait_for("event: reload\ndata: {\"pages\":[\"chapter.html\"");
    let early = request(serve.addr, "GET", "/chapter.html").text();
    assert!(early.contains("New prose, "), "{early}");
    // A figure it quotes is the earlier run's, and says so.
    assert!(early.contains("<a class=\"measured stale\""), "{early}");
    assert!(early.contains("first version"), "{early}");
    assert!(early.contains("re-running…"), "{early}");
    // Then the new result.
    events.wait_for("event: reload\ndata: {\"pages\":[\"chapter.html\"");
    let done = request(serve.addr, "GET", "/chapter.html").text();
    assert!(done.contains("second version"), "{done}");
    assert!(!done.contains("re-running…"), "{done}");
    assert!(done.contains("<a class=\"measured\""), "{done}");
    serve.wait_for_line("running 1 changed example");
}

#[test]
fn a_real_build_has_no_reload_script() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    assert!(!t.read("book/start.html").contains("/__proofbook/events"));
    assert!(!t.read("book/start.html").contains("EventSource"));
}

/// A book of `n` chapters, `c0.md`…, each with a heading of its own.
fn chapters(n: usize) -> BookTest {
    let t = BookTest::empty();
    let mut summary = String::from("# Summary\n\n");
    for i in 0..n {
        summary.push_str(&format!("- [Chapter {i}](c{i}.md)\n"));
        t.write(
            &format!("content/c{i}.md"),
            &format!("# Heading of chapter {i}\n\nBody of chapter {i}.\n"),
        );
    }
    t.write("content/SUMMARY.md", &summary);
    t
}

#[test]
fn the_preview_makes_print_html_when_asked_and_again_after_an_edit() {
    // More chapters than one render chunk (64), so the page is made in
    // pieces, as `build` makes it.
    let t = chapters(70);
    let serve = Serve::start(&t);
    let page = request(serve.addr, "GET", "/c3.html");
    assert!(
        page.text().contains("href=\"print.html\""),
        "the header links to the print page"
    );
    let print = request(serve.addr, "GET", "/print.html");
    assert_eq!(print.status, 200, "{}", print.text());
    let text = print.text();
    let mut at = 0;
    for i in 0..70 {
        let here = text[at..]
            .find(&format!("Heading of chapter {i}<"))
            .unwrap_or_else(|| panic!("chapter {i}'s heading is missing or out of order"));
        at += here;
    }
    assert!(
        text.contains("/__proofbook/events"),
        "print.html reloads after edits like every preview page"
    );
    let preview = t.root().join(".proofbook-cache/serve");
    assert!(
        preview.join("c3.html").is_file(),
        "the preview is built there"
    );
    assert!(
        !preview.join("print.html").exists(),
        "the preview's builds leave print.html to be made on request"
    );

    let mut events = Events::open(serve.addr);
    t.write(
        "content/c40.md",
        "# Heading of chapter 40\n\nA sentence written while serving.\n",
    );
    // The page first, then print.html once the rebuild has its new job.
    events.wait_for("event: reload\ndata: {\"pages\":[\"c40.html\"]}");
    events.wait_for("event: reload\ndata: {\"pages\":[\"print.html\"]}");
    let print = request(serve.addr, "GET", "/print.html");
    assert_eq!(print.status, 200);
    let text = print.text();
    assert!(
        text.contains("A sentence written while serving."),
        "the edit is in print.html"
    );
    assert!(
        !text.contains("Body of chapter 40."),
        "the old text is gone"
    );
    assert!(text.contains("Heading of chapter 69<"), "the page is whole");

    // The page after the edit copied the other chapters' parts from the
    // page before it: it is the page a preview started afresh makes.
    drop(serve);
    let fresh = Serve::start(&t);
    let again = request(fresh.addr, "GET", "/print.html");
    assert_eq!(again.status, 200);
    assert!(
        again.text() == text,
        "print.html after an edit differs from the one made afresh"
    );
}

#[test]
fn a_book_without_a_print_page_has_no_print_button_in_the_preview() {
    let t = chapters(2);
    t.write(
        "book.toml",
        "[book]\ntitle = \"No print\"\n\n[output.html.print]\nenable = false\n",
    );
    let serve = Serve::start(&t);
    let page = request(serve.addr, "GET", "/c1.html");
    assert_eq!(page.status, 200);
    assert!(!page.text().contains("print.html"), "{}", page.text());
    assert_eq!(request(serve.addr, "GET", "/print.html").status, 404);
}

/// A data file an example declares with `deps=` is part of its result: saving
/// it under `serve` runs that example again and the page shows what it read.
#[test]
fn saving_a_declared_data_file_reruns_its_example_in_the_preview() {
    let t = BookTest::one_chapter(
        "# Prices\n\n```python id=prices deps=data/prices.csv\nprint(open('data/prices.csv').read().strip())\n```\n",
    );
    t.write("data/prices.csv", "apples,3\n");
    let serve = Serve::start(&t);
    let page = request(serve.addr, "GET", "/chapter.html").text();
    assert!(page.contains("apples,3"), "{page}");

    t.write("data/prices.csv", "apples,5\n");
    serve.wait_for_line("running 1 changed example");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let page = request(serve.addr, "GET", "/chapter.html").text();
        if page.contains("apples,5") {
            assert!(!page.contains("apples,3"), "{page}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the page never showed the new data: {page}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A save that breaks a link is not shown early (the page as saved would
/// carry a dead link): no tab reloads, the error arrives, and the page is
/// served as it was until a good save.
#[test]
fn a_save_that_breaks_a_link_shows_the_error_not_the_page() {
    let t = BookTest::from_fixture("basic");
    let serve = Serve::start(&t);
    let mut events = Events::open(serve.addr);
    let text = t.read("content/start.md");
    t.write(
        "content/start.md",
        &format!("{text}\nA [dead link](missing-page.md) written while serving.\n"),
    );
    events.wait_for("event: error\ndata: ");
    events.wait_for("missing-page.md");
    let said = events.matched_text();
    let after_hello = said.split_once("event: hello").map_or("", |(_, rest)| rest);
    assert!(
        !after_hello.contains("event: reload"),
        "a tab was reloaded before the error: {said}"
    );
    let page = request(serve.addr, "GET", "/start.html").text();
    assert!(!page.contains("dead link"), "the broken page was served");
}
