//! MNIST and Fashion-MNIST as in-memory datasets, with data-folder resolution and
//! digest verification of every file read.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::digest::{self, Verification};
use crate::error::{DataError, Result};
use crate::idx;
use crate::images::ImageSet;

/// Environment variable naming the data folder when `--data-dir` is not given.
pub const DATA_DIR_ENV: &str = "AE_DATA_DIR";

/// The side of MNIST's and Fashion-MNIST's images. Loaders read each file's real
/// shape from its header; this names it where no data is at hand (planning runs).
pub const IMAGE_SIDE: usize = 28;

/// The two datasets the toolkit works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DatasetKind {
    /// Handwritten digits (LeCun, Cortes, Burges).
    Mnist,
    /// Zalando's article images.
    Fashion,
}

impl DatasetKind {
    /// Both datasets.
    pub const ALL: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::Fashion];

    /// Short name, also the sub-folder of the data folder.
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::Fashion => "fashion",
        }
    }

    /// The dataset's name as written in prose ("MNIST", "Fashion-MNIST").
    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::Fashion => "Fashion-MNIST",
        }
    }

    /// Human-readable class names, indexed by label.
    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            DatasetKind::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            DatasetKind::Fashion => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        }
    }

    /// Number of classes (10 for both).
    pub fn num_classes(self) -> usize {
        10
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetKind {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "mnist" => Ok(DatasetKind::Mnist),
            "fashion" | "fashion-mnist" | "fashion_mnist" => Ok(DatasetKind::Fashion),
            other => Err(DataError::InvalidSelection {
                field: "dataset",
                reason: format!("unknown dataset `{other}` (expected mnist or fashion)"),
            }),
        }
    }
}

/// The two canonical splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// 60,000 training images.
    Train,
    /// 10,000 test images.
    Test,
}

impl Split {
    /// Name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }

    /// Image and label file of this split.
    pub fn roles(self) -> (FileRole, FileRole) {
        match self {
            Split::Train => (FileRole::TrainImages, FileRole::TrainLabels),
            Split::Test => (FileRole::TestImages, FileRole::TestLabels),
        }
    }
}

impl FromStr for Split {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "train" => Ok(Split::Train),
            "test" | "t10k" => Ok(Split::Test),
            other => Err(DataError::InvalidSelection {
                field: "split",
                reason: format!("unknown split `{other}` (expected train or test)"),
            }),
        }
    }
}

/// One of the four files of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileRole {
    /// `train-images-idx3-ubyte`.
    TrainImages,
    /// `train-labels-idx1-ubyte`.
    TrainLabels,
    /// `t10k-images-idx3-ubyte`.
    TestImages,
    /// `t10k-labels-idx1-ubyte`.
    TestLabels,
}

impl FileRole {
    /// The four files in canonical order.
    pub const ALL: [FileRole; 4] = [
        FileRole::TrainImages,
        FileRole::TrainLabels,
        FileRole::TestImages,
        FileRole::TestLabels,
    ];

    /// Canonical file name, without the `.gz` suffix.
    pub fn file_stem(self) -> &'static str {
        match self {
            FileRole::TrainImages => "train-images-idx3-ubyte",
            FileRole::TrainLabels => "train-labels-idx1-ubyte",
            FileRole::TestImages => "t10k-images-idx3-ubyte",
            FileRole::TestLabels => "t10k-labels-idx1-ubyte",
        }
    }

    /// Canonical compressed file name.
    pub fn file_name(self) -> String {
        format!("{}.gz", self.file_stem())
    }
}

/// What was read from one file: where, how many items, and whether it is canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// Which file.
    pub role: FileRole,
    /// Where it was read from.
    pub path: PathBuf,
    /// Number of images or labels in it.
    pub count: usize,
    /// Digest check of its uncompressed bytes.
    pub verification: Verification,
}

/// Resolves the data folder: explicit argument, else `$AE_DATA_DIR`, else `./data`.
pub fn resolve_data_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from("data"),
    }
}

/// Path of one dataset file inside a data folder: `<dir>/<dataset>/<file>.gz`.
pub fn file_path(dir: &Path, kind: DatasetKind, role: FileRole) -> PathBuf {
    dir.join(kind.name()).join(role.file_name())
}

/// Whether all four files of `kind` are present in `dir`.
pub fn files_present(dir: &Path, kind: DatasetKind) -> bool {
    FileRole::ALL
        .iter()
        .all(|&role| file_path(dir, kind, role).is_file())
}

/// One split of a dataset, loaded and checked.
#[derive(Debug, Clone)]
pub struct LoadedSplit {
    /// Images and labels.
    pub set: ImageSet,
    /// Reports of the image file and the label file.
    pub files: [FileReport; 2],
}

/// Loads one split from `dir`, validating both files and their agreement.
pub fn load_split(dir: &Path, kind: DatasetKind, split: Split) -> Result<LoadedSplit> {
    let (image_role, label_role) = split.roles();
    let image_path = file_path(dir, kind, image_role);
    let label_path = file_path(dir, kind, label_role);
    // Images and labels decompress independently; doing both at once hides the label file's cost.
    let (images, labels) = std::thread::scope(|s| {
        let labels = s.spawn(|| {
            read_checked(&label_path, kind, label_role, |bytes, path| {
                idx::parse_labels(&bytes, path)
            })
        });
        let images = read_checked(&image_path, kind, image_role, idx::parse_images_owned);
        let labels = joined(labels, &label_path);
        (images, labels)
    });
    let (images, image_report) = images?;
    let (labels, label_report) = labels?;
    if images.count != labels.labels.len() {
        return Err(DataError::CountMismatch {
            images: image_path,
            image_count: images.count,
            labels: label_path,
            label_count: labels.labels.len(),
        });
    }
    let classes = kind.num_classes();
    if let Some((index, &label)) = labels
        .labels
        .iter()
        .enumerate()
        .find(|(_, l)| usize::from(**l) >= classes)
    {
        return Err(DataError::BadLabel {
            path: label_path,
            index,
            label,
            classes,
        });
    }
    let set = ImageSet::new(images.pixels, labels.labels, images.rows, images.cols)?;
    Ok(LoadedSplit {
        set,
        files: [image_report, label_report],
    })
}

/// The result of a reader thread; a panic there becomes an I/O error naming `path`.
fn joined<T>(reader: std::thread::ScopedJoinHandle<'_, Result<T>>, path: &Path) -> Result<T> {
    reader.join().unwrap_or_else(|_| {
        Err(DataError::io(
            path,
            std::io::Error::other("reader thread panicked"),
        ))
    })
}

fn read_checked<T>(
    path: &Path,
    kind: DatasetKind,
    role: FileRole,
    parse: impl FnOnce(Vec<u8>, &Path) -> Result<T>,
) -> Result<(T, FileReport)>
where
    T: ItemCount,
{
    let bytes = idx::read_bytes(path)?;
    // The digest first: parsing keeps the bytes.
    let verification = digest::verify(kind, role, &bytes);
    let parsed = parse(bytes, path)?;
    let report = FileReport {
        role,
        path: path.to_path_buf(),
        count: parsed.item_count(),
        verification,
    };
    Ok((parsed, report))
}

trait ItemCount {
    fn item_count(&self) -> usize;
}
impl ItemCount for idx::IdxImages {
    fn item_count(&self) -> usize {
        self.count
    }
}
impl ItemCount for idx::IdxLabels {
    fn item_count(&self) -> usize {
        self.labels.len()
    }
}

/// A whole dataset: both splits and the report of every file.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Which dataset.
    pub kind: DatasetKind,
    /// Training split (60k for the canonical files).
    pub train: ImageSet,
    /// Test split (10k for the canonical files).
    pub test: ImageSet,
    /// The four files, in canonical order.
    pub files: Vec<FileReport>,
}

impl Dataset {
    /// Loads both splits of `kind` from `dir` (no download).
    pub fn load(dir: &Path, kind: DatasetKind) -> Result<Self> {
        // The splits decompress independently: the test split's files load on a second
        // thread while the training images load on this one.
        let (train, test) = std::thread::scope(|s| {
            let test = s.spawn(|| load_split(dir, kind, Split::Test));
            let train = load_split(dir, kind, Split::Train);
            let test = joined(test, &file_path(dir, kind, FileRole::TestImages));
            (train, test)
        });
        let (train, test) = (train?, test?);
        let files = train.files.into_iter().chain(test.files).collect();
        Ok(Dataset {
            kind,
            train: train.set,
            test: test.set,
            files,
        })
    }

    /// Loads `kind` from `dir`, downloading the canonical files into `dir` first when
    /// they are absent (like torchvision's `download=True`). Progress lines go to `log`.
    /// Needs the feature `download`.
    #[cfg(feature = "download")]
    pub fn load_or_fetch(dir: &Path, kind: DatasetKind, log: &mut dyn FnMut(&str)) -> Result<Self> {
        if !files_present(dir, kind) {
            crate::fetch::fetch_dataset(dir, kind, log)?;
        }
        Self::load(dir, kind)
    }

    /// True when every file matched its canonical SHA-256.
    pub fn verified(&self) -> bool {
        self.files.iter().all(|f| f.verification.verified)
    }

    /// The requested split.
    pub fn split(&self, split: Split) -> &ImageSet {
        match split {
            Split::Train => &self.train,
            Split::Test => &self.test,
        }
    }
}
