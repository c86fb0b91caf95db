fn main() {
    pipelab_app::start();
}
