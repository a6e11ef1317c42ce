//! What the CLI tests share: the `ae` binary pointed at a data folder, and the
//! parameters of a trained model.

use std::path::Path;
use std::process::{Command, Output};

/// `ae --data-dir DATA`, with `AE_DATA_DIR` removed so that only `data` is read.
pub fn ae_command(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ae"));
    c.arg("--data-dir").arg(data).env_remove("AE_DATA_DIR");
    c
}

/// Runs `ae --data-dir DATA ARGS...` to the end.
pub fn ae(data: &Path, args: &[&str]) -> Output {
    ae_command(data).args(args).output().unwrap()
}

/// Every float parameter's values of a module, in visiting order.
pub fn parameters<B: burn::tensor::backend::Backend, M: burn::module::Module<B>>(
    model: &M,
) -> Vec<f32> {
    struct Collect<'a>(&'a mut Vec<f32>);
    impl<B: burn::tensor::backend::Backend> burn::module::ModuleVisitor<B> for Collect<'_> {
        fn visit_float<const D: usize>(
            &mut self,
            param: &burn::module::Param<burn::tensor::Tensor<B, D>>,
        ) {
            self.0.extend(param.val().into_data().iter::<f32>());
        }
    }
    let mut values = Vec::new();
    model.visit(&mut Collect(&mut values));
    values
}
