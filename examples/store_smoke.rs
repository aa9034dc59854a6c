use interlog::store::{Query, Store};
use std::time::Instant;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let t = Instant::now();
    let store = Store::load(std::path::Path::new(&dir)).unwrap();
    println!("loaded {} in {:?}, bad {}", store.len(), t.elapsed(), store.bad_lines().len());
    let t = Instant::now();
    let r = store.query(&Query { project: Some("customer-portal".into()), limit: Some(50), ..Query::default() });
    println!("filter {} in {:?}", r.total_matched, t.elapsed());
    let t = Instant::now();
    let r = store.query(&Query { search: Some("deadlock postgres".into()), limit: Some(50), ..Query::default() });
    println!("search {} in {:?}", r.total_matched, t.elapsed());
    let t = Instant::now();
    let h = store.fuzzy("dead", None, 100);
    println!(
        "fuzzy {} in {:?} {:?}",
        h.len(),
        t.elapsed(),
        h.first().map(|h| store.summary(h.entry).unwrap().headline)
    );
    println!("{:?}", store.summary(r.entries[0]));
    println!("{}", String::from_utf8_lossy(&store.read_raw(r.entries[0]).unwrap())[..200].to_string());
    println!("sessions {}", store.sessions().len());
    for line in std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
    {
        println!("{line}");
    }
}
