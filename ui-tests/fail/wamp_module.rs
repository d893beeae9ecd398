mod accounting {
    wamp_runtime::wamp_module!(prefix = "accounting", name = "x", concurrency = 0);
}

mod empty {
    wamp_runtime::wamp_module!();
}

fn main() {}
